/**
 * What each alert watches, its threshold, and how a threshold update is validated. Thresholds
 * default to the add-on options (`alert_*`); 0 turns a rule off.
 */
import { z } from 'zod';
import type { Options } from '../config/config.ts';

/** One threshold per rule: `thresholds` and `defaults` of `GET /api/sse/alerts/thresholds` (`overrides` holds some of them). */
export const thresholdsSchema = z.strictObject({
  connections: z.number().describe('Active streams; fires at or above'),
  event_rate_max: z.number().describe('Events in from core per second; fires above'),
  event_rate_min: z.number().describe('Events in from core per second while upstream is connected; fires below'),
  memory_mb: z.number().describe('Resident memory, MiB'),
  cpu_percent: z.number().describe('Process CPU, percent of one core'),
  latency_p95_ms: z.number().describe('Delivery latency p95, ms'),
  latency_p99_ms: z.number().describe('Delivery latency p99, ms'),
  error_rate_percent: z.number().describe('Failed or dropped deliveries, percent of attempts'),
  backlog_kb: z.number().describe('Bytes waiting in socket buffers, KiB'),
  upstream_down_seconds: z.number().describe('Seconds Home Assistant has been unreachable'),
  sustain_seconds: z.number().describe('How long a condition must hold before it fires'),
  cooldown_minutes: z.number().describe('Minimum time between two firings of the same alert'),
});
export type Thresholds = z.infer<typeof thresholdsSchema>;

export type ThresholdKey = keyof Thresholds;

const RANGES: Record<ThresholdKey, z.ZodNumber> = {
  connections: z.number().int().min(0).max(10000),
  event_rate_max: z.number().min(0).max(100000),
  event_rate_min: z.number().min(0).max(100000),
  memory_mb: z.number().int().min(0).max(65536),
  cpu_percent: z.number().int().min(0).max(1000),
  latency_p95_ms: z.number().int().min(0).max(600000),
  latency_p99_ms: z.number().int().min(0).max(600000),
  error_rate_percent: z.number().min(0).max(100),
  backlog_kb: z.number().int().min(0).max(1048576),
  upstream_down_seconds: z.number().int().min(0).max(86400),
  sustain_seconds: z.number().int().min(0).max(3600),
  cooldown_minutes: z.number().int().min(0).max(1440),
};

export const THRESHOLD_KEYS = Object.keys(RANGES) as ThresholdKey[];

/** One threshold's allowed values (used to validate persisted overrides too). */
export function thresholdSchema(key: ThresholdKey): z.ZodNumber {
  return RANGES[key];
}

/**
 * A threshold update (`PUT /api/sse/alerts/thresholds`): any subset of the keys; a number sets an
 * override, `null` removes it (back to the option's value). Unknown keys are rejected.
 */
export const thresholdsUpdateSchema = z
  .object(Object.fromEntries(THRESHOLD_KEYS.map((k) => [k, RANGES[k].nullable().optional()])) as Record<ThresholdKey, z.ZodOptional<z.ZodNullable<z.ZodNumber>>>)
  .strict();

export type ThresholdsUpdate = Partial<Record<ThresholdKey, number | null>>;

export function thresholdsFromOptions(options: Options): Thresholds {
  return {
    connections: options.alert_connections,
    event_rate_max: options.alert_event_rate_max,
    event_rate_min: options.alert_event_rate_min,
    memory_mb: options.alert_memory_mb,
    cpu_percent: options.alert_cpu_percent,
    latency_p95_ms: options.alert_latency_p95_ms,
    latency_p99_ms: options.alert_latency_p99_ms,
    error_rate_percent: options.alert_error_rate_percent,
    backlog_kb: options.alert_backlog_kb,
    upstream_down_seconds: options.alert_upstream_down_seconds,
    sustain_seconds: options.alert_sustain_seconds,
    cooldown_minutes: options.alert_cooldown_minutes,
  };
}

/** Live figures the rules look at (built by {@link AlertInputSource}). */
export interface AlertInputs {
  connections: number;
  /** Events in from core per second, last minute. */
  eventsInPerSecond: number;
  upstreamConnected: boolean;
  /** Seconds since upstream was last seen disconnecting; 0 while connected. */
  upstreamDownSeconds: number;
  memoryBytes: number;
  cpuPercent: number;
  /** Delivery latency over the last one to two minutes. */
  latencyP95Ms: number;
  latencyP99Ms: number;
  latencySamples: number;
  deliveries: number;
  failures: number;
  backlogBytes: number;
}

export type AlertKey =
  | 'connections'
  | 'event_rate_high'
  | 'event_rate_low'
  | 'memory'
  | 'cpu'
  | 'latency_p95'
  | 'latency_p99'
  | 'error_rate'
  | 'backlog'
  | 'upstream_down';

export type Severity = 'warning' | 'critical';

export interface RuleResult {
  active: boolean;
  value: number;
  threshold: number;
}

export interface AlertRule {
  key: AlertKey;
  severity: Severity;
  title: string;
  /** When false the condition fires as soon as it holds (its threshold is itself a duration). */
  sustained: boolean;
  /** Undefined when the rule is off (threshold 0) or there is not enough data for a verdict. */
  check(inputs: AlertInputs, t: Thresholds): RuleResult | undefined;
  message(r: RuleResult): string;
}

/** Latency and error-rate verdicts need at least this many samples in their window. */
export const MIN_SAMPLES = 10;

const MIB = 1024 * 1024;
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
const over = (value: number, threshold: number): RuleResult | undefined =>
  threshold > 0 ? { active: value > threshold, value, threshold } : undefined;

export const ALERT_RULES: readonly AlertRule[] = [
  {
    key: 'connections', severity: 'warning', title: 'Many SSE connections', sustained: true,
    check: (i, t) => (t.connections > 0 ? { active: i.connections >= t.connections, value: i.connections, threshold: t.connections } : undefined),
    message: (r) => `Active connections (${r.value}) reached the threshold (${r.threshold})`,
  },
  {
    key: 'event_rate_high', severity: 'warning', title: 'High event rate', sustained: true,
    check: (i, t) => over(i.eventsInPerSecond, t.event_rate_max),
    message: (r) => `Events from Home Assistant (${fmt(r.value)}/s) exceed the threshold (${fmt(r.threshold)}/s)`,
  },
  {
    key: 'event_rate_low', severity: 'warning', title: 'Low event rate', sustained: true,
    check: (i, t) =>
      t.event_rate_min > 0 && i.upstreamConnected
        ? { active: i.eventsInPerSecond < t.event_rate_min, value: i.eventsInPerSecond, threshold: t.event_rate_min }
        : undefined,
    message: (r) => `Events from Home Assistant (${fmt(r.value)}/s) are below the threshold (${fmt(r.threshold)}/s)`,
  },
  {
    key: 'memory', severity: 'warning', title: 'High memory use', sustained: true,
    check: (i, t) => over(Math.round((i.memoryBytes / MIB) * 10) / 10, t.memory_mb),
    message: (r) => `Memory use (${fmt(r.value)} MiB) exceeds the threshold (${r.threshold} MiB)`,
  },
  {
    key: 'cpu', severity: 'warning', title: 'High CPU use', sustained: true,
    check: (i, t) => over(Math.round(i.cpuPercent * 10) / 10, t.cpu_percent),
    message: (r) => `CPU use (${fmt(r.value)} %) exceeds the threshold (${r.threshold} %)`,
  },
  {
    key: 'latency_p95', severity: 'warning', title: 'Slow delivery (p95)', sustained: true,
    check: (i, t) => (i.latencySamples >= MIN_SAMPLES ? over(i.latencyP95Ms, t.latency_p95_ms) : undefined),
    message: (r) => `Delivery latency p95 (${r.value} ms) exceeds the threshold (${r.threshold} ms)`,
  },
  {
    key: 'latency_p99', severity: 'warning', title: 'Slow delivery (p99)', sustained: true,
    check: (i, t) => (i.latencySamples >= MIN_SAMPLES ? over(i.latencyP99Ms, t.latency_p99_ms) : undefined),
    message: (r) => `Delivery latency p99 (${r.value} ms) exceeds the threshold (${r.threshold} ms)`,
  },
  {
    key: 'error_rate', severity: 'critical', title: 'Failing deliveries', sustained: true,
    check: (i, t) => {
      const attempts = i.deliveries + i.failures;
      return attempts >= MIN_SAMPLES ? over(Math.round((i.failures / attempts) * 1000) / 10, t.error_rate_percent) : undefined;
    },
    message: (r) => `Failed or dropped deliveries (${fmt(r.value)} %) exceed the threshold (${fmt(r.threshold)} %)`,
  },
  {
    key: 'backlog', severity: 'warning', title: 'Large socket backlog', sustained: true,
    check: (i, t) => over(Math.round(i.backlogBytes / 1024), t.backlog_kb),
    message: (r) => `Unsent bytes in socket buffers (${r.value} KiB) exceed the threshold (${r.threshold} KiB)`,
  },
  {
    key: 'upstream_down', severity: 'critical', title: 'Home Assistant unreachable', sustained: false,
    check: (i, t) =>
      t.upstream_down_seconds > 0
        ? { active: !i.upstreamConnected && i.upstreamDownSeconds >= t.upstream_down_seconds, value: i.upstreamDownSeconds, threshold: t.upstream_down_seconds }
        : undefined,
    message: (r) => `Home Assistant has been unreachable for ${Math.round(r.value)} s (threshold ${r.threshold} s)`,
  },
];
