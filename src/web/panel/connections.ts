/**
 * `<sse-connections>`: the open streams (`api/sse/connections`: in Redis mode every instance's,
 * each under its listener with the instance holding it), refreshed with each live push, sortable
 * by column, searchable, each with a disconnect button that asks first.
 */
import { html } from 'lit';
import { api } from './api.ts';
import { ago, bytes, dateTime } from './format.ts';
import { LightElement } from './light-element.ts';
import type { ConnectionsData } from '../../stats/answers.ts';
import type { ConnectionView } from '../../stats/connection-view.ts';

type Key = 'user_name' | 'ip_address' | 'listener' | 'user_agent' | 'events_sent' | 'bytes_sent' | 'connected_at' | 'last_event_at';

const COLUMNS: [Key, string][] = [
  ['user_name', 'User'],
  ['ip_address', 'Address'],
  ['listener', 'Listener'],
  ['user_agent', 'User agent'],
  ['events_sent', 'Events'],
  ['bytes_sent', 'Bytes'],
  ['connected_at', 'Connected'],
  ['last_event_at', 'Last event'],
];

const filters = (c: ConnectionView) =>
  c.subscriptions.map((s) => (s.entity_id ? `${s.event_type}: ${s.entity_id}` : s.event_type)).join(', ') || 'all events';

export class ConnectionsView extends LightElement {
  static override properties = {
    tick: { attribute: false },
    connections: { state: true },
    query: { state: true },
    sortKey: { state: true },
    descending: { state: true },
    confirming: { state: true },
    error: { state: true },
  };

  tick = '';
  connections: ConnectionView[] | undefined;
  query = '';
  sortKey: Key = 'connected_at';
  descending = true;
  confirming: ConnectionView | undefined;
  error = '';
  #lastLoad = 0;

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    // At most one refresh every two seconds, driven by the live push.
    if (changed.has('tick') && Date.now() - this.#lastLoad >= 2000) void this.#load();
  }

  async #load(): Promise<void> {
    this.#lastLoad = Date.now();
    try {
      this.connections = (await api<ConnectionsData>('GET', 'api/sse/connections')).connections;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  #sort(key: Key): void {
    if (this.sortKey === key) this.descending = !this.descending;
    else [this.sortKey, this.descending] = [key, key === 'events_sent' || key === 'bytes_sent'];
  }

  #ask(c: ConnectionView): void {
    this.confirming = c;
    void this.updateComplete.then(() => this.querySelector<HTMLDialogElement>('dialog')?.showModal());
  }

  async #disconnect(): Promise<void> {
    const c = this.confirming;
    this.querySelector<HTMLDialogElement>('dialog')?.close();
    this.confirming = undefined;
    if (!c) return;
    try {
      await api('DELETE', `api/sse/connections/${encodeURIComponent(c.id)}`);
      this.error = '';
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
    await this.#load();
  }

  #rows(): ConnectionView[] {
    const q = this.query.trim().toLowerCase();
    const list = (this.connections ?? []).filter(
      (c) => !q || [c.user_name, c.user_id, c.ip_address, c.user_agent, c.listener, filters(c)].some((v) => v.toLowerCase().includes(q)),
    );
    const k = this.sortKey;
    const dir = this.descending ? -1 : 1;
    return list.sort((a, b) => {
      const x = a[k] ?? '';
      const y = b[k] ?? '';
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
  }

  override render() {
    if (!this.connections) return html`<p class="muted">Loading…</p>`;
    if (this.connections.length === 0) {
      return html`<div class="empty">
        <p><strong>Nothing is connected yet.</strong></p>
        <p>Open a stream from a dashboard, a script or the client library:
          <code>new EventSource('http://&lt;home-assistant&gt;:&lt;port&gt;/subscribe_events?token=…')</code>.
          The add-on's Documentation tab shows how; streams appear here as they open.</p>
      </div>`;
    }
    const rows = this.#rows();
    return html`
      <div class="toolbar">
        <label class="search"><span class="sr-only">Search connections</span>
          <input type="search" placeholder="Search user, address, agent, filter" .value=${this.query}
            @input=${(e: InputEvent) => (this.query = (e.target as HTMLInputElement).value)} /></label>
        <span class="muted">${rows.length} of ${this.connections.length}</span>
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      <div class="table-wrap">
        <table class="connections">
          <thead><tr>
            ${COLUMNS.map(
              ([key, label]) => html`<th scope="col" aria-sort=${this.sortKey === key ? (this.descending ? 'descending' : 'ascending') : 'none'}>
                <button class="sort" @click=${() => this.#sort(key)}>${label}${this.sortKey === key ? (this.descending ? ' ▾' : ' ▴') : ''}</button></th>`,
            )}
            <th scope="col">Filters</th><th scope="col"><span class="sr-only">Actions</span></th>
          </tr></thead>
          <tbody>
            ${rows.map(
              (c) => html`<tr data-connection=${c.id}>
                <td data-label="User">${c.user_name || c.user_id}</td>
                <td data-label="Address">${c.ip_address}</td>
                <td data-label="Listener">${c.listener}${c.instance_id ? html`<br /><span class="muted" title="The instance holding the stream">${c.instance_id}</span>` : ''}</td>
                <td data-label="User agent" class="agent" title=${c.user_agent}>${c.user_agent || '—'}</td>
                <td data-label="Events" class="num">${c.events_sent}</td>
                <td data-label="Bytes" class="num">${bytes(c.bytes_sent)}</td>
                <td data-label="Connected">${dateTime(c.connected_at)}</td>
                <td data-label="Last event">${ago(c.last_event_at)}</td>
                <td data-label="Filters">${filters(c)}</td>
                <td><button class="danger" @click=${() => this.#ask(c)} aria-label="Disconnect ${c.user_name || c.user_id} from ${c.ip_address}">Disconnect</button></td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <dialog aria-labelledby="confirm-title" @close=${() => (this.confirming = undefined)}>
        <h2 id="confirm-title">Disconnect this stream?</h2>
        <p>${this.confirming ? `${this.confirming.user_name || this.confirming.user_id} from ${this.confirming.ip_address} (${this.confirming.user_agent || 'unknown agent'})` : ''}
          gets an <code>error</code> event and the stream closes. A client that reconnects by itself will come back.</p>
        <div class="actions">
          <button class="text" @click=${() => this.querySelector<HTMLDialogElement>('dialog')?.close()}>Cancel</button>
          <button class="danger" @click=${() => void this.#disconnect()}>Disconnect</button>
        </div>
      </dialog>
    `;
  }
}
