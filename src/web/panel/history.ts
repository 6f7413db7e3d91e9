/**
 * `<sse-history>`: the history charts for 1h / 24h / 7d / 30d (`api/sse/history`): connections,
 * event rate, deliveries, latency percentiles, memory and CPU. Missing minutes or hours become
 * gaps in the lines.
 */
import { html } from 'lit';
import type uPlot from 'uplot';
import { api } from './api.ts';
import type { ChartSeries, TimeSpan } from './chart.ts';
import { LightElement } from './light-element.ts';
import type { HistoryData } from '../../stats/answers.ts';
import type { HistoryPoint } from '../../stats/summary.ts';

const PERIODS = ['1h', '24h', '7d', '30d'] as const;
/** Each period's length in seconds: the time axis spans it, ending at the answer's `timestamp`. */
const PERIOD_SECONDS: Record<(typeof PERIODS)[number], number> = { '1h': 3600, '24h': 86_400, '7d': 604_800, '30d': 2_592_000 };

interface ChartDef {
  id: string;
  heading: string;
  series: ChartSeries[];
  values: ((p: HistoryPoint) => number)[];
}

const CHARTS: ChartDef[] = [
  {
    id: 'connections',
    heading: 'Connections',
    series: [{ label: 'current' }, { label: 'max' }],
    values: [(p) => p.connections_current, (p) => p.connections_max],
  },
  { id: 'events', heading: 'Event rate (events/s in)', series: [{ label: 'events/s', unit: '/s' }], values: [(p) => p.events_per_second] },
  { id: 'deliveries', heading: 'Deliveries', series: [{ label: 'sent' }], values: [(p) => p.events_sent] },
  {
    id: 'latency',
    heading: 'Delivery latency',
    series: [
      { label: 'p50', unit: ' ms' },
      { label: 'p95', unit: ' ms' },
      { label: 'p99', unit: ' ms' },
    ],
    values: [(p) => p.latency_p50, (p) => p.latency_p95, (p) => p.latency_p99],
  },
  { id: 'memory', heading: 'Memory (RSS)', series: [{ label: 'RSS', unit: ' MiB' }], values: [(p) => p.memory_rss / 1048576] },
  {
    id: 'cpu',
    heading: 'CPU',
    series: [
      { label: 'average', unit: ' %' },
      { label: 'max', unit: ' %' },
    ],
    values: [(p) => p.cpu_average, (p) => p.cpu_max],
  },
];

/** Aligned data for one chart; a gap of more than one bucket between points gets a `null` row. */
export function aligned(points: readonly HistoryPoint[], bucketSeconds: number, values: ChartDef['values']): uPlot.AlignedData {
  const xs: number[] = [];
  const ys: (number | null)[][] = values.map(() => []);
  let previous: number | undefined;
  for (const point of points) {
    const x = Date.parse(point.timestamp) / 1000;
    if (previous !== undefined && x - previous > bucketSeconds * 1.5) {
      xs.push(previous + bucketSeconds);
      for (const y of ys) y.push(null);
    }
    xs.push(x);
    values.forEach((value, i) => ys[i]!.push(value(point)));
    previous = x;
  }
  return [xs, ...ys];
}

export class HistoryView extends LightElement {
  static override properties = { period: { state: true }, history: { state: true }, error: { state: true } };

  period: (typeof PERIODS)[number] = '1h';
  history: HistoryData | undefined;
  error = '';

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#load();
  }

  async #load(): Promise<void> {
    const period = this.period;
    try {
      const history = await api<HistoryData>('GET', `api/sse/history?period=${period}`);
      if (period === this.period) {
        this.history = history;
        this.error = '';
      }
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  #select(period: (typeof PERIODS)[number]): void {
    this.period = period;
    this.history = undefined;
    void this.#load();
  }

  override render() {
    const h = this.history;
    return html`
      <div class="toolbar">
        <div class="segmented" role="group" aria-label="Period">
          ${PERIODS.map(
            (p) => html`<button aria-pressed=${this.period === p ? 'true' : 'false'} @click=${() => this.#select(p)}>${p}</button>`,
          )}
        </div>
        <button class="text" @click=${() => void this.#load()}>Refresh</button>
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : ''}
      ${!h ? html`<p class="muted">Loading…</p>` : h.points.length === 0 ? this.#empty(h) : this.#charts(h)}
    `;
  }

  #empty(h: HistoryData) {
    return html`<div class="empty">
      <p><strong>No history for this period yet.</strong></p>
      <p>The hub writes one point per minute${h.history_available ? '' : ' (the history database is unavailable, so only recent minutes in memory are shown)'}.
        Come back in a minute, or pick a shorter period.</p>
    </div>`;
  }

  #charts(h: HistoryData) {
    const bucket = h.resolution === 'minute' ? 60 : 3600;
    const end = Date.parse(h.timestamp) / 1000;
    const span: TimeSpan = { min: end - (PERIOD_SECONDS[h.period as (typeof PERIODS)[number]] ?? 3600), max: end };
    return html`<div class="charts">
      ${CHARTS.map(
        (c) =>
          html`<sse-chart data-chart=${c.id} .heading=${c.heading} .series=${c.series} .span=${span} .data=${aligned(h.points, bucket, c.values)}></sse-chart>`,
      )}
    </div>`;
  }
}
