/**
 * Folds rollups into the public period summary (`GET /api/sse/metrics`, DOCS.md) and into chart
 * points (`GET /api/sse/history`). Pure functions: the same fold serves rows read from SQLite and
 * the in-memory minutes used while the store is unavailable.
 *
 * Percentiles come from the merged histograms of every rollup in the period (docs/decisions.md §2).
 * Averages are weighted by the measured duration of each rollup. The answers' zod schemas are
 * here too: the types derive from them, and `src/http/openapi.ts` publishes them.
 */
import { z } from 'zod';
import { LatencyHistogram, encodedPercentiles } from '../metrics/histogram/histogram.ts';
import { countField, isoTimeField } from '../base/answer-fields.ts';
import { isoTime } from '../base/iso-time.ts';
import type { PeriodAggregate } from '../metrics/rollup/aggregate.ts';
import type { RollupView } from '../metrics/rollup/record.ts';

const minMaxAvg = z.strictObject({ current: z.number(), max: z.number(), average: z.number() });

/** The `metrics` of `GET /api/sse/metrics`. */
export const periodSummarySchema = z.strictObject({
  connections: minMaxAvg,
  events: z.strictObject({ total: countField, rate: minMaxAvg }),
  latency: z.strictObject({ p50: z.number(), p95: z.number(), p99: z.number() }),
  resources: z.strictObject({ memory: z.strictObject({ current: z.number(), max: z.number() }), cpu: minMaxAvg }),
});
export type PeriodSummary = z.infer<typeof periodSummarySchema>;

/** Figures of right now, which no rollup holds yet. */
export interface LiveFigures {
  connections: number;
  /** Deliveries per second over the last minute. */
  deliveriesPerSecond: number;
  /** Resident set size, bytes. */
  memory: number;
  /** Percent of one core. */
  cpu: number;
}

/** A point of `GET /api/sse/history`: one minute or one hour. */
export const historyPointSchema = z.strictObject({
  timestamp: isoTimeField,
  duration_seconds: z.number(),
  connections_current: z.number(),
  connections_max: z.number(),
  connections_average: z.number(),
  events_received: z.number(),
  events_sent: z.number(),
  events_per_second: z.number(),
  bytes_sent: z.number(),
  delivery_failures: z.number(),
  latency_p50: z.number(),
  latency_p95: z.number(),
  latency_p99: z.number(),
  memory_rss: z.number(),
  memory_rss_max: z.number(),
  heap_used: z.number(),
  cpu_average: z.number(),
  cpu_max: z.number(),
  event_loop_utilization: z.number(),
  event_backlog_max: z.number(),
});
export type HistoryPoint = z.infer<typeof historyPointSchema>;

const round = (n: number, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};


/** The period summary of an aggregate (the stored rollups of the period plus the live partial minute) and the live figures. */
export function summarize(a: PeriodAggregate, live: LiveFigures): PeriodSummary {
  const duration = a.durationMs;
  return {
    connections: {
      current: live.connections,
      max: Math.max(a.connMax, live.connections),
      average: round(duration > 0 ? a.connWeighted / duration : live.connections),
    },
    events: {
      total: a.deliveries,
      rate: {
        current: round(live.deliveriesPerSecond),
        max: round(Math.max(a.rateMax, live.deliveriesPerSecond)),
        average: round(duration > 0 ? a.deliveries / (duration / 1000) : 0),
      },
    },
    latency: a.latency.toHistogram().percentiles(),
    resources: {
      memory: { current: live.memory, max: Math.max(a.memMax, live.memory) },
      cpu: {
        current: round(live.cpu),
        max: round(Math.max(a.cpuMax, live.cpu)),
        average: round(duration > 0 ? a.cpuWeighted / duration : live.cpu),
      },
    },
  };
}

export function historyPoint(row: RollupView): HistoryPoint {
  const { p50, p95, p99 } = row.latency instanceof LatencyHistogram ? row.latency.percentiles() : encodedPercentiles(row.latency);
  const seconds = row.durationMs / 1000;
  return {
    timestamp: isoTime(row.ts),
    duration_seconds: round(seconds, 3),
    connections_current: row.connCurrent,
    connections_max: row.connMax,
    connections_average: round(row.connAvg),
    events_received: row.eventsIn,
    events_sent: row.deliveries,
    events_per_second: round(seconds > 0 ? row.deliveries / seconds : 0),
    bytes_sent: row.bytesOut,
    delivery_failures: row.deliveryFailures,
    latency_p50: p50,
    latency_p95: p95,
    latency_p99: p99,
    memory_rss: row.memRss,
    memory_rss_max: row.memRssMax,
    heap_used: row.heapUsed,
    cpu_average: round(row.cpuAvg),
    cpu_max: round(row.cpuMax),
    event_loop_utilization: round(row.eluAvg, 4),
    event_backlog_max: row.backlogMax,
  };
}
