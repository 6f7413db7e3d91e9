/**
 * Reads the live figures the alert rules need from the collector, the system sampler, the
 * connection registry and the upstream status. Upstream downtime is measured from the first
 * read that saw it disconnected, so no subscription (and no lifecycle) is needed.
 */
import type { ConnectionRegistry, UpstreamStatus } from '../base/types.ts';
import type { Now } from '../metrics/clock.ts';
import type { MetricsCollector } from '../metrics/collector.ts';
import type { AlertInputs } from './rules.ts';
import type { SystemSampler } from '../metrics/system.ts';

export interface AlertInputSourceOptions {
  collector: MetricsCollector;
  system: SystemSampler;
  registry?: Pick<ConnectionRegistry, 'backlogBytes'>;
  /** Absent before the upstream exists (treated as connected). */
  upstream?: Pick<UpstreamStatus, 'state'>;
  /** The clock. Default `Date.now`. */
  now?: Now;
}

export class AlertInputSource {
  readonly #options: AlertInputSourceOptions;
  readonly #now: Now;
  #downSince: number | undefined;

  constructor(options: AlertInputSourceOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  read(): AlertInputs {
    const now = this.#now();
    const connected = (this.#options.upstream?.state ?? 'connected') === 'connected';
    if (connected) this.#downSince = undefined;
    else this.#downSince ??= now;
    const { collector } = this.#options;
    const system = this.#options.system.latest();
    const recent = collector.recent();
    const [p95 = 0, p99 = 0] = recent.latency.quantiles([0.95, 0.99]);
    return {
      connections: collector.active,
      // What arrives from core, not what was published: with no stream open nothing is published.
      eventsInPerSecond: collector.live().coreEventsPerSecond,
      upstreamConnected: connected,
      upstreamDownSeconds: this.#downSince === undefined ? 0 : (now - this.#downSince) / 1000,
      memoryBytes: system.rss,
      cpuPercent: system.cpuPercent,
      latencyP95Ms: p95,
      latencyP99Ms: p99,
      latencySamples: recent.latency.count,
      deliveries: recent.deliveries,
      failures: recent.failures,
      backlogBytes: this.#options.registry?.backlogBytes() ?? 0,
    };
  }
}
