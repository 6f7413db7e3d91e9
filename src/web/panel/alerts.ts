/**
 * `<sse-alerts>`: alerts firing now and the recent history (refreshed with the live push, at most
 * every five seconds), and the thresholds form: each field is checked as it is typed; the hub's
 * own errors are shown next to the field they name.
 */
import { html } from 'lit';
import { ApiError, api } from './api.ts';
import { dateTime, num } from './format.ts';
import { LightElement } from './light-element.ts';
import { THRESHOLD_FIELDS, serverFieldErrors, validateThreshold } from './threshold-fields.ts';
import type { AlertList, AlertView } from '../../alerts/alert-view.ts';
import type { ThresholdsView } from '../../alerts/engine.ts';
import type { Thresholds } from '../../alerts/rules.ts';

export class AlertsView extends LightElement {
  static override properties = {
    tick: { attribute: false },
    active: { state: true },
    history: { state: true },
    thresholds: { state: true },
    values: { state: true },
    errors: { state: true },
    status: { state: true },
  };

  tick = '';
  active: AlertView[] | undefined;
  history: AlertView[] = [];
  thresholds: ThresholdsView | undefined;
  /** What is typed, per key. */
  values: Record<string, string> = {};
  errors: Record<string, string> = {};
  status = '';
  #lastLoad = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#loadThresholds();
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('tick') && Date.now() - this.#lastLoad >= 5000) void this.#loadAlerts();
  }

  async #loadAlerts(): Promise<void> {
    this.#lastLoad = Date.now();
    const [active, history] = await Promise.all([
      api<AlertList>('GET', 'api/sse/alerts'),
      api<AlertList>('GET', 'api/sse/alerts/history?limit=50'),
    ]).catch(() => [{ alerts: this.active ?? [] }, { alerts: this.history }]);
    this.active = active.alerts;
    this.history = history.alerts;
  }

  async #loadThresholds(): Promise<void> {
    this.thresholds = await api<ThresholdsView>('GET', 'api/sse/alerts/thresholds');
    this.values = Object.fromEntries(THRESHOLD_FIELDS.map((f) => [f.key, String(this.thresholds!.thresholds[f.key] ?? '')]));
    this.errors = {};
  }

  #input(key: string, raw: string): void {
    const field = THRESHOLD_FIELDS.find((f) => f.key === key)!;
    this.values = { ...this.values, [key]: raw };
    this.errors = { ...this.errors, [key]: validateThreshold(field, raw) };
    this.status = '';
  }

  async #save(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const errors = Object.fromEntries(THRESHOLD_FIELDS.map((f) => [f.key, validateThreshold(f, this.values[f.key] ?? '')]));
    this.errors = errors;
    const first = THRESHOLD_FIELDS.find((f) => errors[f.key]);
    if (first) {
      this.status = 'Fix the highlighted fields first.';
      this.querySelector<HTMLInputElement>(`#th-${first.key}`)?.focus();
      return;
    }
    const current: Partial<Thresholds> = this.thresholds?.thresholds ?? {};
    const update = Object.fromEntries(
      THRESHOLD_FIELDS.filter((f) => Number(this.values[f.key]) !== current[f.key]).map((f) => [f.key, Number(this.values[f.key])]),
    );
    if (Object.keys(update).length === 0) {
      this.status = 'Nothing changed.';
      return;
    }
    try {
      this.thresholds = await api<ThresholdsView>('PUT', 'api/sse/alerts/thresholds', update);
      this.status = this.thresholds.persisted ? 'Saved.' : 'Saved for now (the database is unavailable, so it will not survive a restart).';
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_thresholds') {
        const byField = serverFieldErrors(err.message);
        this.errors = { ...this.errors, ...byField };
        this.status = Object.keys(byField).length ? 'The add-on refused some values.' : err.message;
      } else this.status = err instanceof Error ? err.message : String(err);
    }
  }

  #alertRow(a: AlertView) {
    return html`<li class="alert ${a.severity}" data-alert=${a.alert}>
      <span class="badge ${a.state === 'firing' ? 'warn' : 'ok'}">${a.state}</span>
      <strong>${a.title}</strong> <span class="muted">${dateTime(a.fired_at)}${a.resolved_at ? ` – ${dateTime(a.resolved_at)}` : ''}</span>
      <div>${a.message} <span class="muted">(value ${num(a.value, 2)}, threshold ${num(a.threshold, 2)})</span></div>
    </li>`;
  }

  override render() {
    const t = this.thresholds;
    return html`
      <div class="columns">
        <section class="card">
          <h2>Active alerts</h2>
          ${!this.active ? html`<p class="muted">Loading…</p>` : this.active.length === 0 ? html`<p class="muted">All clear: no alert is firing.</p>` : html`<ul class="alerts">${this.active.map((a) => this.#alertRow(a))}</ul>`}
          <h2>History</h2>
          ${this.history.length === 0 ? html`<p class="muted">No alert has fired yet.</p>` : html`<ul class="alerts">${this.history.map((a) => this.#alertRow(a))}</ul>`}
        </section>
        <section class="card">
          <h2>Thresholds</h2>
          <p class="muted">A threshold of 0 turns its alert off; a hold time or cooldown of 0 means no wait. Saved values override the add-on options and survive restarts.</p>
          ${!t
            ? html`<p class="muted">Loading…</p>`
            : html`<form class="thresholds" @submit=${(e: SubmitEvent) => void this.#save(e)} novalidate>
                ${THRESHOLD_FIELDS.map((f) => {
                  const error = this.errors[f.key] ?? '';
                  return html`<div class="field ${error ? 'invalid' : ''}">
                    <label for="th-${f.key}">${f.label} <span class="muted">(${f.unit})</span></label>
                    <input id="th-${f.key}" name=${f.key} inputmode="decimal" .value=${this.values[f.key] ?? ''}
                      aria-invalid=${error ? 'true' : 'false'} aria-describedby="th-${f.key}-error th-${f.key}-hint"
                      @input=${(e: InputEvent) => this.#input(f.key, (e.target as HTMLInputElement).value)} />
                    <span id="th-${f.key}-hint" class="hint">default ${t.defaults[f.key]}${f.key in t.overrides ? ', overridden' : ''}</span>
                    <span id="th-${f.key}-error" class="field-error" role="alert">${error}</span>
                  </div>`;
                })}
                <div class="actions"><span class="status" role="status">${this.status}</span><button type="submit" class="primary">Save thresholds</button></div>
              </form>`}
        </section>
      </div>
    `;
  }
}
