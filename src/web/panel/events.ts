/**
 * `<sse-events>`: a live tail of the events the hub streams, like Home Assistant's developer
 * tools event page: one stream through the add-on's client library (src/web/client/, the token in a
 * header on the LAN port), filters by event type, entity and domain, pausable, and at most
 * {@link CAP} events kept in memory. The area, label and device pickers (lists from
 * `GET /api/sse/registries`) are selectors of the stream itself (`area=`, `label=`, `device_id=`):
 * picking one reopens the stream with it, so the hub sends only what it selects.
 */
import { html } from 'lit';
import { connect, type SseClient } from '../client/index.ts';
import type { ServerMessage } from '../client/types.ts';
import type { RegistriesData } from '../../ha/registry/registry-view.ts';
import { api, storedToken } from './api.ts';
import { time } from './format.ts';
import { LightElement } from './light-element.ts';

export const CAP = 200;
const SYSTEM = new Set(['ping', 'connection']);

interface Row {
  n: number;
  type: string;
  timestamp: string;
  entity: string;
  domain: string;
  summary: string;
  json: string;
}

function row(n: number, m: ServerMessage): Row {
  const data = (m.data ?? {}) as Record<string, unknown>;
  const entity = typeof data.entity_id === 'string' ? data.entity_id : '';
  const domain = entity ? entity.split('.')[0]! : typeof data.domain === 'string' ? data.domain : '';
  let summary = entity;
  if (m.type === 'state_changed') summary = `${entity} → ${String(data.state)}`;
  else if (m.type === 'service_called') summary = `${String(data.domain)}.${String(data.service)}`;
  else if (typeof data.name === 'string') summary = data.name;
  else if (m.type === 'error') summary = String((m as { message?: unknown }).message ?? '');
  return { n, type: m.type, timestamp: m.timestamp, entity, domain, summary, json: JSON.stringify(m, null, 2) };
}

export class EventsView extends LightElement {
  static override properties = {
    rows: { state: true },
    paused: { state: true },
    missed: { state: true },
    status: { state: true },
    type: { state: true },
    entity: { state: true },
    domain: { state: true },
    area: { state: true },
    label: { state: true },
    device: { state: true },
    registries: { state: true },
  };

  rows: Row[] = [];
  paused = false;
  missed = 0;
  status = 'connecting';
  type = '';
  entity = '';
  domain = '';
  /** The stream's selectors: an area, label and device id, or '' for none. */
  area = '';
  label = '';
  device = '';
  /** The picker lists; undefined until loaded (or when they cannot be). */
  registries: RegistriesData | undefined;
  #types = new Set(['state_changed', 'service_called', 'automation_triggered', 'script_executed']);
  #client: SseClient | undefined;
  #n = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    this.#open();
    api<RegistriesData>('GET', 'api/sse/registries').then(
      (lists) => (this.registries = lists),
      () => (this.registries = undefined), // the pickers stay hidden; the tail works without them
    );
  }

  /** (Re)opens the stream with the picked selectors. */
  #open(): void {
    this.#client?.close();
    const pick = (id: string) => (id ? [id] : undefined);
    const client = connect({
      url: '.',
      token: () => storedToken() ?? '',
      transport: 'fetch',
      cache: false,
      area: pick(this.area),
      label: pick(this.label),
      device_id: pick(this.device),
    });
    client.on('status', (s) => (this.status = s));
    client.on('message', (m) => {
      if (this.#client === client) this.#receive(m);
    });
    this.#client = client;
  }

  /** A picker changed: the old stream's rows do not fit the new selection. */
  #select(kind: 'area' | 'label' | 'device', id: string): void {
    if (this[kind] === id) return;
    this[kind] = id;
    this.rows = [];
    this.missed = 0;
    this.#open();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#client?.close();
    this.#client = undefined;
  }

  #receive(m: ServerMessage): void {
    if (SYSTEM.has(m.type)) return;
    if (!this.#types.has(m.type)) this.#types.add(m.type);
    if (this.paused) {
      this.missed++;
      return;
    }
    const next = [row(++this.#n, m), ...this.rows];
    if (next.length > CAP) next.length = CAP;
    this.rows = next;
  }

  #visible(): Row[] {
    const entity = this.entity.trim().toLowerCase();
    const domain = this.domain.trim().toLowerCase();
    return this.rows.filter(
      (r) => (!this.type || r.type === this.type) && (!entity || r.entity.toLowerCase().includes(entity)) && (!domain || r.domain.toLowerCase() === domain),
    );
  }

  /** Area (with its floor), label and device selects, when the lists are loaded and not empty. */
  #pickers() {
    const lists = this.registries;
    if (!lists) return null;
    const floors = new Map(lists.floors.map((f) => [f.id, f.name]));
    const areas = new Map(lists.areas.map((a) => [a.id, a.name]));
    const picker = (kind: 'area' | 'label' | 'device', title: string, none: string, options: { id: string; name: string; detail?: string }[]) =>
      options.length === 0
        ? null
        : html`<label>${title}
            <select name=${kind} @change=${(e: Event) => this.#select(kind, (e.target as HTMLSelectElement).value)}>
              <option value="">${none}</option>
              ${options.map((o) => html`<option value=${o.id} ?selected=${this[kind] === o.id}>${o.detail ? `${o.name} (${o.detail})` : o.name}</option>`)}
            </select></label>`;
    const detail = (id: string | undefined, names: Map<string, string>) => (id ? names.get(id) : undefined);
    return html`
      ${picker('area', 'Area', 'all areas', lists.areas.map((a) => ({ id: a.id, name: a.name, detail: detail(a.floor_id, floors) })))}
      ${picker('label', 'Label', 'all labels', lists.labels)}
      ${picker('device', 'Device', 'all devices', lists.devices.map((d) => ({ id: d.id, name: d.name, detail: detail(d.area_id, areas) })))}
    `;
  }

  #togglePause(): void {
    this.paused = !this.paused;
    if (!this.paused) this.missed = 0;
  }

  override render() {
    const visible = this.#visible();
    const text = (e: InputEvent) => (e.target as HTMLInputElement).value;
    return html`
      <form class="toolbar filters" @submit=${(e: Event) => e.preventDefault()}>
        <label>Event type
          <select name="type" @change=${(e: Event) => (this.type = (e.target as HTMLSelectElement).value)}>
            <option value="">all types</option>
            ${[...this.#types].sort().map((t) => html`<option value=${t} ?selected=${this.type === t}>${t}</option>`)}
          </select></label>
        <label>Entity <input name="entity" type="search" placeholder="light.kitchen" .value=${this.entity} @input=${(e: InputEvent) => (this.entity = text(e))} /></label>
        <label>Domain <input name="domain" type="search" placeholder="light" .value=${this.domain} @input=${(e: InputEvent) => (this.domain = text(e))} /></label>
        ${this.#pickers()}
        <button type="button" class=${this.paused ? 'primary' : ''} aria-pressed=${this.paused ? 'true' : 'false'} @click=${this.#togglePause}>
          ${this.paused ? 'Resume' : 'Pause'}</button>
        <button type="button" class="text" @click=${() => (this.rows = [])}>Clear</button>
      </form>
      <p class="muted" aria-live="polite">
        Stream ${this.status}; showing ${visible.length} of the last ${this.rows.length} events (at most ${CAP} kept)${this.paused ? `; paused, ${this.missed} new events not shown` : ''}.
      </p>
      ${this.rows.length === 0
        ? html`<div class="empty"><p>Waiting for events from Home Assistant…</p></div>`
        : html`<ol class="events">
            ${visible.map(
              (r) => html`<li data-type=${r.type} data-entity=${r.entity} data-domain=${r.domain}>
                <details><summary><time>${time(r.timestamp)}</time> <span class="type">${r.type}</span> <span class="summary">${r.summary}</span></summary>
                <pre>${r.json}</pre></details>
              </li>`,
            )}
          </ol>`}
    `;
  }
}
