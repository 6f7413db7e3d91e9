/**
 * One rollup: everything measured during one bucket (a minute, or an hour made of minutes).
 * Every field is additive, a maximum, the latest value, or a duration-weighted average, so two
 * rollups merge without loss (an hour = its minutes merged; a minute written twice after a
 * restart inside it = both parts merged).
 */
import { LatencyHistogram } from '../histogram/histogram.ts';

/** What the hub and the HTTP layer caused during a bucket (filled by the collector). */
export interface TrafficFields {
  /** Active streams at the end of the bucket. */
  connCurrent: number;
  connMax: number;
  /** Time-weighted average of active streams. */
  connAvg: number;
  connOpened: number;
  connClosed: number;
  /** Sum of the lifetimes (ms) of the streams closed in this bucket. */
  connDurationSumMs: number;
  /** Events that arrived at the hub from core. */
  eventsIn: number;
  /** Frames written to sockets (one event to N sockets = N deliveries): the "events sent". */
  deliveries: number;
  bytesOut: number;
  deliveryFailures: number;
  rateLimited: number;
  /** Deliveries per second: the bucket's average for a minute, the highest minute for an hour. */
  rateMax: number;
  /** Core `time_fired` → written to the socket, one sample per delivery. */
  latency: LatencyHistogram;
  /** Received from core → written to the socket (the hub's own processing time). */
  hubLatency: LatencyHistogram;
  /** Highest unflushed socket backlog (bytes) seen. */
  backlogMax: number;
  eventTypes: Record<string, number>;
  /** Failed deliveries by reason and rate-limited requests as `rate_limited_<kind>`. */
  errors: Record<string, number>;
  closeReasons: Record<string, number>;
}

/** What the process used during a bucket (filled by the system sampler). */
export interface ResourceFields {
  /** Resident set size (bytes) at the last sample. */
  memRss: number;
  memRssMax: number;
  heapUsed: number;
  heapUsedMax: number;
  /** Process CPU, percent of one core, averaged over the bucket. */
  cpuAvg: number;
  /** Highest CPU of one sampling interval. */
  cpuMax: number;
  /** Event-loop utilization (0..1) over the bucket. */
  eluAvg: number;
  /** Highest event-loop delay p99 (ms) of one sampling interval. */
  loopDelayP99Max: number;
  netRxBytes: number;
  netTxBytes: number;
  diskReadBytes: number;
  diskWriteBytes: number;
}

export interface Rollup extends TrafficFields, ResourceFields {
  /** Bucket start, epoch ms. */
  ts: number;
  /** Milliseconds of the bucket that were measured (less than the bucket after a start or stop inside it). */
  durationMs: number;
}

/** A rollup as read for summaries and charts: the latency histogram may stay encoded until needed. */
export type RollupView = Omit<Rollup, 'latency' | 'hubLatency' | 'eventTypes' | 'errors' | 'closeReasons'> & {
  latency: LatencyHistogram | Uint8Array;
};

export function emptyTraffic(): TrafficFields {
  return {
    connCurrent: 0,
    connMax: 0,
    connAvg: 0,
    connOpened: 0,
    connClosed: 0,
    connDurationSumMs: 0,
    eventsIn: 0,
    deliveries: 0,
    bytesOut: 0,
    deliveryFailures: 0,
    rateLimited: 0,
    rateMax: 0,
    latency: new LatencyHistogram(),
    hubLatency: new LatencyHistogram(),
    backlogMax: 0,
    eventTypes: {},
    errors: {},
    closeReasons: {},
  };
}

export function emptyResources(): ResourceFields {
  return {
    memRss: 0,
    memRssMax: 0,
    heapUsed: 0,
    heapUsedMax: 0,
    cpuAvg: 0,
    cpuMax: 0,
    eluAvg: 0,
    loopDelayP99Max: 0,
    netRxBytes: 0,
    netTxBytes: 0,
    diskReadBytes: 0,
    diskWriteBytes: 0,
  };
}

export function emptyRollup(ts: number): Rollup {
  return { ts, durationMs: 0, ...emptyTraffic(), ...emptyResources() };
}

function addCounts(into: Record<string, number>, from: Record<string, number>): Record<string, number> {
  const out = { ...into };
  for (const [key, n] of Object.entries(from)) out[key] = (out[key] ?? 0) + n;
  return out;
}

/**
 * `a` then `b` merged into a new rollup with `a`'s bucket start. "Latest" fields come from `b`;
 * averages are weighted by `durationMs`.
 */
export function mergeRollups(a: Rollup, b: Rollup): Rollup {
  const duration = a.durationMs + b.durationMs;
  const weighted = (x: number, y: number) => (duration > 0 ? (x * a.durationMs + y * b.durationMs) / duration : Math.max(x, y));
  return {
    ts: a.ts,
    durationMs: duration,
    connCurrent: b.connCurrent,
    connMax: Math.max(a.connMax, b.connMax),
    connAvg: weighted(a.connAvg, b.connAvg),
    connOpened: a.connOpened + b.connOpened,
    connClosed: a.connClosed + b.connClosed,
    connDurationSumMs: a.connDurationSumMs + b.connDurationSumMs,
    eventsIn: a.eventsIn + b.eventsIn,
    deliveries: a.deliveries + b.deliveries,
    bytesOut: a.bytesOut + b.bytesOut,
    deliveryFailures: a.deliveryFailures + b.deliveryFailures,
    rateLimited: a.rateLimited + b.rateLimited,
    rateMax: Math.max(a.rateMax, b.rateMax),
    latency: a.latency.clone().merge(b.latency),
    hubLatency: a.hubLatency.clone().merge(b.hubLatency),
    backlogMax: Math.max(a.backlogMax, b.backlogMax),
    eventTypes: addCounts(a.eventTypes, b.eventTypes),
    errors: addCounts(a.errors, b.errors),
    closeReasons: addCounts(a.closeReasons, b.closeReasons),
    memRss: b.memRss,
    memRssMax: Math.max(a.memRssMax, b.memRssMax),
    heapUsed: b.heapUsed,
    heapUsedMax: Math.max(a.heapUsedMax, b.heapUsedMax),
    cpuAvg: weighted(a.cpuAvg, b.cpuAvg),
    cpuMax: Math.max(a.cpuMax, b.cpuMax),
    eluAvg: weighted(a.eluAvg, b.eluAvg),
    loopDelayP99Max: Math.max(a.loopDelayP99Max, b.loopDelayP99Max),
    netRxBytes: a.netRxBytes + b.netRxBytes,
    netTxBytes: a.netTxBytes + b.netTxBytes,
    diskReadBytes: a.diskReadBytes + b.diskReadBytes,
    diskWriteBytes: a.diskWriteBytes + b.diskWriteBytes,
  };
}
