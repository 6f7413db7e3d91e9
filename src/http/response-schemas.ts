/**
 * The `data` of every JSON answer, as zod schemas that `src/http/openapi.ts` publishes as JSON
 * Schema. Each is checked against the TypeScript type of the code that builds the answer
 * (`satisfies z.ZodType<…>`: a field the type requires and the schema lacks does not compile), and
 * test/e2e/openapi-live.test.ts validates real answers against the published document (objects are
 * strict there: a field the code adds and the schema lacks fails). Nothing here runs per request.
 */
import { z } from 'zod';
import type { AlertView } from '../alerts/notifier.ts';
import type { ThresholdsView } from '../alerts/engine.ts';
import { THRESHOLD_KEYS, type Thresholds } from '../alerts/rules.ts';
import { PERIODS } from '../metrics/period.ts';
import type { SystemSnapshot } from '../metrics/system.ts';
import type { ConnectionView } from '../stats/connection-view.ts';
import type { Insight } from '../stats/insights.ts';
import type { MemoryTrend } from '../stats/memory-trend.ts';
import type { HistoryData, MetricsData, MonitorData, StatsData } from '../stats/service.ts';
import type { HistoryPoint, PeriodSummary } from '../stats/summary.ts';

const count = z.number().int().min(0);
const iso = z.string().describe('ISO 8601 UTC time');
const period = z.enum(PERIODS);
const counts = z.record(z.string(), z.number());

export const healthData = z.strictObject({
  status: z.literal('ok'),
  upstream: z.enum(['connected', 'disconnected', 'starting']),
  // src/hub/file-budget.ts: present only while the open-file limit is below what max_clients needs.
  file_limit: z.strictObject({ open_files_limit: count, open_files_needed: count, streams_allowed: count }).optional(),
});

export const statsData = z.strictObject({
  active_connections: count,
  total_events_sent: count,
  events_per_second: z.number(),
  memory_usage: z.number().describe('resident memory, bytes'),
  cpu_usage: z.number().describe('percent of one core'),
  uptime: z.string(),
  event_backlog: z.number().describe('bytes waiting in socket buffers'),
  scope: z.literal('local').optional(),
  instance_id: z.string().optional(),
}) satisfies z.ZodType<StatsData>;

const minMaxAvg = z.strictObject({ current: z.number(), max: z.number(), average: z.number() });

const periodSummary = z.strictObject({
  connections: minMaxAvg,
  events: z.strictObject({ total: count, rate: minMaxAvg }),
  latency: z.strictObject({ p50: z.number(), p95: z.number(), p99: z.number() }),
  resources: z.strictObject({ memory: z.strictObject({ current: z.number(), max: z.number() }), cpu: minMaxAvg }),
}) satisfies z.ZodType<PeriodSummary>;

export const metricsData = z.strictObject({ metrics: periodSummary, period, timestamp: iso }) satisfies z.ZodType<MetricsData>;

const historyPoint = z.strictObject({
  timestamp: iso,
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
}) satisfies z.ZodType<HistoryPoint>;

export const historyData = z.strictObject({
  period,
  resolution: z.enum(['minute', 'hour']),
  history_available: z.boolean(),
  points: z.array(historyPoint),
  timestamp: iso,
}) satisfies z.ZodType<HistoryData>;

const systemSnapshot = z.strictObject({
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
}) satisfies z.ZodType<SystemSnapshot>;

const memoryTrend = z.strictObject({
  samples: count,
  window_seconds: z.number(),
  heap_used: z.strictObject({ current: z.number(), min: z.number(), max: z.number(), average: z.number() }),
  rss: z.strictObject({ current: z.number(), max: z.number() }),
  growth_bytes_per_second: z.number(),
  leak_suspected: z.boolean(),
  reason: z.string(),
}) satisfies z.ZodType<MemoryTrend>;

const insight = z.strictObject({
  level: z.enum(['warning', 'info', 'success']),
  code: z.string(),
  message: z.string(),
  recommendation: z.string(),
}) satisfies z.ZodType<Insight>;

export const performanceData = z.strictObject({
  system: systemSnapshot,
  memory_trend: memoryTrend,
  insights: z.array(insight),
  throughput: z.strictObject({
    events_received_per_second: z.number(),
    events_sent_per_second: z.number(),
    bytes_sent_per_second: z.number(),
    average_message_bytes: z.number(),
  }),
  connections: z.strictObject({
    active: count,
    opened_total: count,
    closed_total: count,
    average_duration_seconds: z.number(),
    close_reasons: counts,
    by_http_version: counts,
    by_listener: counts,
    by_ip: counts,
  }),
});

export const monitorData = z.strictObject({
  handler_type: z.enum(['memory', 'redis']),
  instance_id: z.string(),
  local_connections: count,
  local_unique_users: count,
  global_connections: count,
  global_unique_users: count,
  connections_per_user: counts,
  instances: z.array(z.strictObject({ instance_id: z.string(), last_heartbeat: iso, connections: count })).optional(),
}) satisfies z.ZodType<MonitorData>;

const connection = z.strictObject({
  id: z.string(),
  client_id: z.string(),
  user_id: z.string(),
  connected_at: iso,
  last_event_at: iso.nullable(),
  events_sent: count,
  subscriptions: z.array(z.strictObject({ event_type: z.string(), entity_id: z.string().nullable() })),
  state: z.enum(['active', 'closing']),
  ip_address: z.string(),
  user_agent: z.string(),
  user_name: z.string(),
  bytes_sent: count,
  listener: z.enum(['lan', 'ingress']),
}) satisfies z.ZodType<ConnectionView>;

export const connectionsData = z.strictObject({
  connections: z.array(connection),
  total: count,
  scope: z.literal('local').optional(),
  instance_id: z.string().optional(),
});
export const connectionData = z.strictObject({ connection });
export const closedData = z.strictObject({ id: z.string(), closed: z.literal(true) });

const alert = z.strictObject({
  id: z.number().int(),
  alert: z.string(),
  severity: z.string(),
  state: z.enum(['firing', 'resolved']),
  title: z.string(),
  message: z.string(),
  value: z.number(),
  threshold: z.number(),
  fired_at: iso,
  resolved_at: iso.nullable(),
}) satisfies z.ZodType<AlertView>;

export const alertsData = z.strictObject({ alerts: z.array(alert), total: count });

const thresholds = z.strictObject(Object.fromEntries(THRESHOLD_KEYS.map((key) => [key, z.number()])) as Record<keyof Thresholds, z.ZodNumber>);

export const thresholdsData = z.strictObject({
  thresholds,
  defaults: thresholds,
  overrides: thresholds.partial(),
  persisted: z.boolean(),
}) satisfies z.ZodType<ThresholdsView>;
