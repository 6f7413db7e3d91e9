/** `<sse-live>`: the live figures as tiles, pushed by the hub once a second. */
import { html } from 'lit';
import { ago, mib, num, span } from './format.ts';
import { LightElement } from './light-element.ts';
import type { SocketState } from './live-socket.ts';
import type { LiveStatsData } from '../../stats/answers.ts';

export class LiveStatusView extends LightElement {
  static override properties = { data: { attribute: false }, socket: { attribute: false } };

  data: LiveStatsData | undefined;
  socket: SocketState = 'connecting';

  override render() {
    const d = this.data;
    if (!d) return html`<p class="muted" aria-live="polite">Connecting to the live status…</p>`;
    const l = d.live;
    const up = l.upstream.state;
    const tile = (id: string, label: string, value: string, hint = '') =>
      html`<div class="tile" data-metric=${id}><span class="label">${label}</span><span class="value">${value}</span>${hint ? html`<span class="hint">${hint}</span>` : ''}</div>`;
    return html`
      <div class="status-line" aria-live="polite">
        <span class="badge ${up === 'connected' ? 'ok' : 'warn'}" data-metric="upstream">Home Assistant: ${up}</span>
        <span class="muted">since ${ago(l.upstream.since, Date.parse(l.timestamp))}</span>
        ${this.socket === 'open' ? '' : html`<span class="badge warn">live updates ${this.socket}</span>`}
        <span class="muted" data-metric="replay" title="A client away for less than this resumes with every event it missed"
          >replay window ${span(d.replay_window_seconds)} · ${d.replay_events} events</span
        >
        <span class="muted right">uptime ${d.uptime.replace(/^PT/, '').toLowerCase()}</span>
      </div>
      <div class="tiles">
        ${tile('streams', 'Open streams', String(l.active_connections))}
        ${tile('events', 'Events/s in', num(l.events_in_per_second, 2))}
        ${tile('deliveries', 'Deliveries/s', num(l.deliveries_per_second, 2))}
        ${tile(
          'latency',
          'Latency p50 / p95 / p99',
          l.latency_ms.samples ? `${num(l.latency_ms.p50)} / ${num(l.latency_ms.p95)} / ${num(l.latency_ms.p99)} ms` : '—',
          l.latency_ms.samples ? '' : 'no deliveries in the last minutes',
        )}
        ${tile('memory', 'Memory (RSS)', mib(l.memory_rss), `heap ${mib(l.heap_used)}`)}
        ${tile('cpu', 'CPU', `${num(l.cpu_percent)} %`)}
        ${tile('loop', 'Event-loop delay p99', `${num(l.event_loop_delay_p99_ms)} ms`)}
      </div>
    `;
  }
}
