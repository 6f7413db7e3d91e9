/**
 * Prometheus exposition of the collector's figures, with prom-client and its own Registry (never
 * the global default, so several servers in one process — tests — do not collide). Values are
 * read from the collector at scrape time; nothing is counted twice. Latency histograms are the
 * collector's mergeable histograms, exposed at fixed `le` boundaries (seconds).
 *
 * prom-client is loaded on the first scrape, not at start: a process nobody scrapes does not pay
 * its load cost (several MiB of RSS on a Raspberry Pi).
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import type { Metric, Registry } from 'prom-client';
import type { ConnectionRegistry } from '../base/types.ts';
import type { AlertView } from '../alerts/alert-view.ts';
import type { Now } from '../metrics/clock.ts';
import type { MetricsCollector } from '../metrics/collector.ts';
import type { LatencyHistogram } from '../metrics/histogram/histogram.ts';
import type { SystemSampler } from '../metrics/system.ts';

export interface PrometheusExporterOptions {
  collector: MetricsCollector;
  system: SystemSampler;
  registry?: Pick<ConnectionRegistry, 'backlogBytes'>;
  alerts?: { active(): AlertView[] };
  store?: { readonly available: boolean };
  /** The clock. Default `Date.now`. */
  now?: Now;
  /** The process's CPU time so far. Default `process.cpuUsage`. */
  cpuUsage?: () => NodeJS.CpuUsage;
}

/** Histogram boundaries in seconds; each is a bucket edge of {@link LatencyHistogram}, so counts are exact for whole-millisecond latencies. */
export const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;

/** A histogram metric whose values come from a {@link LatencyHistogram} when scraped. */
function histogramMetric(name: string, help: string, source: () => LatencyHistogram): Metric {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    collect: undefined,
    get: async () => {
      const h = source();
      const values: { metricName: string; labels: Labels; value: number }[] = LATENCY_BUCKETS_SECONDS.map((le) => ({
        metricName: `${name}_bucket`,
        labels: { le: String(le) },
        value: h.countAtOrBelow(le * 1000),
      }));
      values.push(
        { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: h.count },
        { metricName: `${name}_sum`, labels: {}, value: h.sum / 1000 },
        { metricName: `${name}_count`, labels: {}, value: h.count },
      );
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  };
  // prom-client's Registry only calls get(); its Metric type names its own classes, hence the cast.
  return metric as unknown as Metric;
}

let promClient: typeof PromClient | undefined;

export class PrometheusExporter {
  readonly #options: PrometheusExporterOptions;
  #registry: Registry | undefined;

  constructor(options: PrometheusExporterOptions) {
    this.#options = options;
  }

  /** The registry, built (and prom-client loaded) on first use. */
  get registry(): Registry {
    this.#registry ??= this.#build();
    return this.#registry;
  }

  #build(): Registry {
    promClient ??= createRequire(import.meta.url)('prom-client') as typeof PromClient;
    const { Counter, Gauge, Registry } = promClient;
    const options = this.#options;
    const { collector, system } = options;
    const now = options.now ?? Date.now;
    const registry = new Registry();
    const registers = [registry];
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers, collect() { this.set(read()); } });
    const labelledGauge = (name: string, help: string, label: string, read: () => Record<string, number>) =>
      new Gauge({ name, help, labelNames: [label], registers, collect() { this.reset(); for (const [k, v] of Object.entries(read())) this.set({ [label]: k }, v); } });
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({ name, help, registers, collect() { this.reset(); this.inc(read()); } });
    const labelledCounter = (name: string, help: string, label: string, read: () => Record<string, number>) =>
      new Counter({ name, help, labelNames: [label], registers, collect() { this.reset(); for (const [k, v] of Object.entries(read())) this.inc({ [label]: k }, v); } });
    const totals = collector.totals;
    const RATE_LIMITED = 'rate_limited_';
    const errorsWhere = (rateLimited: boolean) =>
      Object.fromEntries(
        Object.entries(totals.errors)
          .filter(([k]) => k.startsWith(RATE_LIMITED) === rateLimited)
          .map(([k, v]) => [rateLimited ? k.slice(RATE_LIMITED.length) : k, v]),
      );

    gauge('sse_hub_connections', 'Active SSE streams', () => collector.active);
    labelledGauge('sse_hub_connections_by_listener', 'Active SSE streams by listener', 'listener', () => collector.live().byListener);
    labelledGauge('sse_hub_connections_by_http_version', 'Active SSE streams by HTTP version', 'http_version', () => collector.live().byHttpVersion);
    counter('sse_hub_connections_opened_total', 'SSE streams opened', () => totals.connOpened);
    labelledCounter('sse_hub_connections_closed_total', 'SSE streams closed, by reason', 'reason', () => totals.closeReasons);
    labelledCounter('sse_hub_events_received_total', 'Events received from Home Assistant, by type', 'type', () => totals.eventTypes);
    counter('sse_hub_events_sent_total', 'Events written to SSE sockets (one per stream)', () => totals.deliveries);
    counter('sse_hub_sent_bytes_total', 'Bytes written to SSE sockets', () => totals.bytesOut);
    labelledCounter('sse_hub_delivery_failures_total', 'Deliveries that failed or were dropped, by reason', 'reason', () => errorsWhere(false));
    labelledCounter('sse_hub_rate_limited_total', 'Requests and streams refused by rate limits', 'kind', () => errorsWhere(true));
    gauge('sse_hub_event_backlog_bytes', 'Bytes written to sockets but not yet flushed', () => options.registry?.backlogBytes() ?? 0);
    registry.registerMetric(histogramMetric('sse_hub_delivery_latency_seconds', 'Home Assistant time_fired to written to the socket', () => totals.latency));
    registry.registerMetric(histogramMetric('sse_hub_processing_latency_seconds', 'Received from Home Assistant to written to the socket', () => totals.hubLatency));
    gauge('sse_hub_process_resident_memory_bytes', 'Resident set size', () => system.latest().rss);
    gauge('sse_hub_process_heap_used_bytes', 'V8 heap used', () => system.latest().heapUsed);
    gauge('sse_hub_process_cpu_percent', 'Process CPU, percent of one core, last sampling interval', () => system.latest().cpuPercent);
    const cpuUsage = options.cpuUsage ?? (() => process.cpuUsage());
    // A counter Prometheus can rate() over any window, beside the sampler's last-interval percent.
    counter('sse_hub_process_cpu_seconds_total', 'User and system CPU time of the process', () => {
      const used = cpuUsage();
      return (used.user + used.system) / 1e6;
    });
    gauge('sse_hub_event_loop_utilization', 'Event-loop utilization (0..1), last sampling interval', () => system.latest().elu);
    gauge('sse_hub_event_loop_delay_p99_seconds', 'Event-loop delay p99, last sampling interval', () => system.latest().loopDelayP99Ms / 1000);
    gauge('sse_hub_uptime_seconds', 'Seconds since the service started', () => (now() - collector.startedAt) / 1000);
    labelledGauge('sse_hub_alerts_firing', 'Alerts firing now (1 per alert)', 'alert', () =>
      Object.fromEntries((options.alerts?.active() ?? []).map((a) => [a.alert, 1])),
    );
    gauge('sse_hub_history_available', '1 while the SQLite history is being written', () => (options.store?.available === false ? 0 : 1));
    return registry;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
