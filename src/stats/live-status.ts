/**
 * The live figures the panel shows at the top (`subscribe_sse_stats` with `live: true` on the
 * WebSocket API, DOCS.md): upstream state and since when, streams, rates, delivery latency
 * percentiles over the last one to two minutes, and the process figures of the latest sample.
 * The zod schema is the shape's one description (the type derives from it).
 */
import { z } from 'zod';
import { countField, isoTimeField } from '../base/answer-fields.ts';
import { isoTime } from '../base/iso-time.ts';
import type { MetricsCollector } from '../metrics/collector.ts';
import type { SystemSnapshot } from '../metrics/system.ts';

export const liveStatusSchema = z.strictObject({
  upstream: z.strictObject({ state: z.string(), since: isoTimeField.nullable() }),
  active_connections: countField,
  events_in_per_second: z.number(),
  deliveries_per_second: z.number(),
  latency_ms: z
    .strictObject({ p50: z.number(), p95: z.number(), p99: z.number(), samples: countField })
    .describe('Milliseconds, over the previous and the current minute; 0 without deliveries'),
  memory_rss: z.number(),
  heap_used: z.number(),
  cpu_percent: z.number(),
  event_loop_delay_p99_ms: z.number(),
  timestamp: isoTimeField,
});
export type LiveStatus = z.infer<typeof liveStatusSchema>;

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Remembers when the upstream state was first seen as it is now (the panel's "reconnecting since …").
 * It learns by being asked, so before the first question `since` is the service's start.
 */
export class UpstreamSince {
  #state: string | undefined;
  #since: number;

  constructor(startedAt: number) {
    this.#since = startedAt;
  }

  observe(state: string | undefined, now: number): { state: string; since: string | null } {
    if (state === undefined) return { state: 'unknown', since: null };
    if (this.#state !== undefined && state !== this.#state) this.#since = now;
    this.#state = state;
    return { state, since: isoTime(this.#since) };
  }
}

export function liveStatus(collector: MetricsCollector, system: SystemSnapshot, upstream: LiveStatus['upstream'], now: number): LiveStatus {
  const live = collector.live();
  const latency = collector.recent().latency;
  return {
    upstream,
    active_connections: live.active,
    events_in_per_second: round2(live.eventsInPerSecond),
    deliveries_per_second: round2(live.deliveriesPerSecond),
    latency_ms: {
      p50: round2(latency.quantile(0.5)),
      p95: round2(latency.quantile(0.95)),
      p99: round2(latency.quantile(0.99)),
      samples: latency.count,
    },
    memory_rss: system.rss,
    heap_used: system.heapUsed,
    cpu_percent: round2(system.cpuPercent),
    event_loop_delay_p99_ms: round2(system.loopDelayP99Ms),
    timestamp: isoTime(now),
  };
}
