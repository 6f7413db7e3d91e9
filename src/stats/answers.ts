/**
 * The `data` of the answers {@link StatsService} (./service.ts) builds, as zod schemas: each is the
 * answer's one description. The types derive from them, the service returns those types, the
 * panel imports them (`import type`), and `src/http/openapi.ts` publishes the schemas as JSON
 * Schema. The parts built elsewhere have their schema beside their builder (./summary.ts,
 * ./connection-view.ts, ./live-status.ts, ./memory-trend.ts, ./insights.ts). Objects are strict, so
 * test/e2e/openapi-live.test.ts fails on a field the code sends and the schema lacks, and on a
 * field the schema declares and no answer sends.
 */
import { z } from 'zod';
import { PERIODS } from '../metrics/period.ts';
import type { SystemSnapshot } from '../metrics/system.ts';
import { countField, isoTimeField } from '../base/answer-fields.ts';
import { connectionViewSchema } from './connection-view.ts';
import { insightSchema } from './insights.ts';
import { liveStatusSchema } from './live-status.ts';
import { memoryTrendSchema } from './memory-trend.ts';
import { historyPointSchema, periodSummarySchema } from './summary.ts';

const period = z.enum(PERIODS);
const counts = z.record(z.string(), z.number());
/** Redis mode: the answer holds this instance's figures only (global ones are in the monitor). */
const scope = { scope: z.literal('local').optional(), instance_id: z.string().optional() };

/** `GET /api/sse/stats`, `POST /get_sse_stats`, and `subscribe_sse_stats` on the WebSocket API. */
export const statsDataSchema = z.strictObject({
  active_connections: countField,
  total_events_sent: countField,
  events_per_second: z.number(),
  memory_usage: z.number().describe('resident memory, bytes'),
  cpu_usage: z.number().describe('percent of one core'),
  uptime: z.string().describe('ISO 8601 duration'),
  event_backlog: z.number().describe('bytes waiting in socket buffers'),
  // The replay history's fields (DOCS.md, "Reconnecting and replay"); in Redis mode the shared stream's.
  replay_window_seconds: countField.describe('seconds a client may have been away and still resume exactly'),
  replay_events: countField.describe('events the replay history holds'),
  replay_bytes: countField.describe('their size as replay_buffer_mb counts it, bytes'),
  ...scope,
});
export type StatsData = z.infer<typeof statsDataSchema>;

/** `subscribe_sse_stats` with `live: true` (the panel's live push): the stats plus the live figures. */
export const liveStatsDataSchema = statsDataSchema.extend({ live: liveStatusSchema });
export type LiveStatsData = z.infer<typeof liveStatsDataSchema>;

/** `GET /api/sse/metrics`. */
export const metricsDataSchema = z.strictObject({ metrics: periodSummarySchema, period, timestamp: isoTimeField });
export type MetricsData = z.infer<typeof metricsDataSchema>;

/** `GET /api/sse/history`. */
export const historyDataSchema = z.strictObject({
  period,
  resolution: z.enum(['minute', 'hour']),
  history_available: z.boolean().describe('false while the store is unavailable: points then cover only the minutes kept in memory'),
  points: z.array(historyPointSchema),
  timestamp: isoTimeField,
});
export type HistoryData = z.infer<typeof historyDataSchema>;

/** `GET /api/admin/sse-monitor`. */
export const monitorDataSchema = z.strictObject({
  handler_type: z.enum(['memory', 'redis']),
  instance_id: z.string(),
  local_connections: countField,
  local_unique_users: countField,
  global_connections: countField,
  global_unique_users: countField,
  connections_per_user: counts,
  instances: z
    .array(z.strictObject({ instance_id: z.string(), last_heartbeat: isoTimeField, connections: countField }))
    .optional()
    .describe('Redis mode: every live instance'),
});
export type MonitorData = z.infer<typeof monitorDataSchema>;

/** The sampler's latest snapshot as the performance answer shows it (camelCase, as sampled). */
const systemSnapshotSchema = z.strictObject({
  at: z.number().describe('epoch milliseconds'),
  rss: z.number(),
  heapUsed: z.number(),
  heapTotal: z.number(),
  external: z.number(),
  cpuPercent: z.number(),
  elu: z.number(),
  loopDelayMeanMs: z.number(),
  loopDelayP99Ms: z.number(),
  loopDelayMaxMs: z.number(),
  netRxBytes: z.number().optional(),
  netTxBytes: z.number().optional(),
  diskReadBytes: z.number().optional(),
  diskWriteBytes: z.number().optional(),
}) satisfies z.ZodType<SystemSnapshot>; // the sampler's own type (src/metrics/system.ts) must fit the answer

/** `GET /api/sse/performance`. */
export const performanceDataSchema = z.strictObject({
  system: systemSnapshotSchema,
  memory_trend: memoryTrendSchema,
  insights: z.array(insightSchema),
  throughput: z.strictObject({
    events_received_per_second: z.number(),
    events_sent_per_second: z.number(),
    bytes_sent_per_second: z.number(),
    average_message_bytes: z.number(),
  }),
  connections: z.strictObject({
    active: countField,
    opened_total: countField,
    closed_total: countField,
    average_duration_seconds: z.number(),
    close_reasons: counts,
    by_http_version: counts,
    by_listener: counts,
    by_ip: counts,
  }),
});
export type PerformanceData = z.infer<typeof performanceDataSchema>;

/** `GET /api/sse/connections`. */
export const connectionsDataSchema = z.strictObject({
  connections: z.array(connectionViewSchema),
  total: countField,
  // Redis mode: `cluster` (every instance's streams, the default) or `local` (`?scope=local`).
  scope: z.enum(['local', 'cluster']).optional(),
  instance_id: z.string().optional(),
});
export type ConnectionsData = z.infer<typeof connectionsDataSchema>;
