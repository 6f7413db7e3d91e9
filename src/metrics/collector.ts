/**
 * The metrics collector: the hub's {@link HubObserver}. It counts what happens (streams opened
 * and closed, events in, deliveries, bytes, failures, rate limits, latencies) into three views:
 * totals since start (Prometheus counters, `total_events_sent`), the current minute (taken by the
 * rollup every minute) and one-minute sliding windows (live rates). Every call is O(1) and
 * synchronous; nothing here does I/O.
 */
import type { CloseReason, ConnectionSnapshot, HubEvent, HubObserver } from '../base/types.ts';
import type { Now } from './clock.ts';
import { LatencyHistogram } from './histogram/histogram.ts';
import { RateWindow } from './rate-window.ts';
import { emptyTraffic, type TrafficFields } from './rollup/record.ts';
import { concernsOnlyOwnEntities } from '../base/own-entities.ts';

export interface CollectorOptions {
  /** The clock. Default `Date.now`. */
  now?: Now;
  /** Distinct event types counted by name; further types count as `other` (bounds memory and label cardinality). Default 200. */
  maxEventTypes?: number;
}

/** Counters since the collector was created: the additive fields of a rollup, never reset. */
export type Totals = Pick<
  TrafficFields,
  | 'connOpened'
  | 'connClosed'
  | 'connDurationSumMs'
  | 'eventsIn'
  | 'deliveries'
  | 'bytesOut'
  | 'deliveryFailures'
  | 'rateLimited'
  | 'eventTypes'
  | 'errors'
  | 'closeReasons'
  | 'latency'
  | 'hubLatency'
>;

/** A minute's traffic as taken by {@link MetricsCollector.takeMinute}. */
export interface TrafficMinute {
  /** When this accumulation began (epoch ms). */
  start: number;
  durationMs: number;
  traffic: TrafficFields;
}

/** Latencies and delivery outcomes of the previous and the current minute. */
export interface RecentTraffic {
  latency: LatencyHistogram;
  hubLatency: LatencyHistogram;
  deliveries: number;
  failures: number;
}

/** Live figures for the stats endpoints. */
export interface LiveTraffic {
  startedAt: number;
  active: number;
  eventsInPerSecond: number;
  /**
   * Events that arrived from Home Assistant per second, whether or not any stream wanted them
   * (the bridge always holds `state_changed`); what the event-rate alerts measure.
   */
  coreEventsPerSecond: number;
  deliveriesPerSecond: number;
  bytesOutPerSecond: number;
  byUser: Record<string, number>;
  byIp: Record<string, number>;
  byHttpVersion: Record<string, number>;
  byListener: Record<string, number>;
}

function bump(map: Record<string, number>, key: string, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}

function drop(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}

export class MetricsCollector implements HubObserver {
  readonly startedAt: number;
  readonly totals: Totals;
  readonly #now: Now;
  readonly #maxEventTypes: number;
  #minute: TrafficFields = emptyTraffic();
  #minuteStart: number;
  /** The previous minute's latencies, kept for alert windows that span a minute boundary. */
  #previous: RecentTraffic = { latency: new LatencyHistogram(), hubLatency: new LatencyHistogram(), deliveries: 0, failures: 0 };
  #active = 0;
  #integral = 0;
  #lastChange: number;
  readonly #eventsIn: RateWindow;
  readonly #coreEvents: RateWindow;
  readonly #deliveries: RateWindow;
  readonly #bytes: RateWindow;
  readonly #eventTypes = new Set<string>();
  readonly #byUser = new Map<string, number>();
  readonly #byIp = new Map<string, number>();
  readonly #byHttpVersion = new Map<string, number>();
  readonly #byListener = new Map<string, number>();

  constructor(options: CollectorOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxEventTypes = options.maxEventTypes ?? 200;
    this.startedAt = this.#now();
    this.#minuteStart = this.startedAt;
    this.#lastChange = this.startedAt;
    // The rollup's empty fields; the per-bucket ones (connCurrent, rateMax, ...) are never read from totals.
    this.totals = emptyTraffic();
    this.#eventsIn = new RateWindow(this.#now, this.startedAt);
    this.#coreEvents = new RateWindow(this.#now, this.startedAt);
    this.#deliveries = new RateWindow(this.#now, this.startedAt);
    this.#bytes = new RateWindow(this.#now, this.startedAt);
  }

  /** Active streams. */
  get active(): number {
    return this.#active;
  }

  connectionOpened(conn: ConnectionSnapshot): void {
    this.#setActive(this.#active + 1);
    this.#minute.connOpened++;
    this.totals.connOpened++;
    this.#byUser.set(conn.userId, (this.#byUser.get(conn.userId) ?? 0) + 1);
    this.#byIp.set(conn.ipAddress, (this.#byIp.get(conn.ipAddress) ?? 0) + 1);
    this.#byHttpVersion.set(conn.httpVersion, (this.#byHttpVersion.get(conn.httpVersion) ?? 0) + 1);
    this.#byListener.set(conn.listener, (this.#byListener.get(conn.listener) ?? 0) + 1);
  }

  connectionClosed(conn: ConnectionSnapshot, reason: CloseReason): void {
    this.#setActive(Math.max(0, this.#active - 1));
    this.#minute.connClosed++;
    this.totals.connClosed++;
    const lifetime = Math.max(0, this.#now() - conn.connectedAt);
    this.#minute.connDurationSumMs += lifetime;
    this.totals.connDurationSumMs += lifetime;
    bump(this.#minute.closeReasons, reason);
    bump(this.totals.closeReasons, reason);
    drop(this.#byUser, conn.userId);
    drop(this.#byIp, conn.ipAddress);
    drop(this.#byHttpVersion, conn.httpVersion);
    drop(this.#byListener, conn.listener);
  }

  /** One event arrived from Home Assistant (told by the bridge, published or not). */
  coreEventReceived(): void {
    this.#coreEvents.add(1);
  }

  eventReceived(event: HubEvent): void {
    // The hub's own sensor writes coming back from core are not Home Assistant's traffic (docs/decisions.md §11).
    if (concernsOnlyOwnEntities(event.entityIds)) return;
    this.#minute.eventsIn++;
    this.totals.eventsIn++;
    this.#eventsIn.add(1);
    let type = event.type;
    if (!this.#eventTypes.has(type)) {
      if (this.#eventTypes.size < this.#maxEventTypes) this.#eventTypes.add(type);
      else type = 'other';
    }
    bump(this.#minute.eventTypes, type);
    bump(this.totals.eventTypes, type);
  }

  delivered(event: HubEvent, count: number, bytes: number, writtenAt: number): void {
    if (count <= 0) return;
    const minute = this.#minute;
    minute.deliveries += count;
    minute.bytesOut += count * bytes;
    this.totals.deliveries += count;
    this.totals.bytesOut += count * bytes;
    this.#deliveries.add(count);
    this.#bytes.add(count * bytes);
    const endToEnd = writtenAt - event.firedAt;
    const processing = writtenAt - event.receivedAt;
    minute.latency.record(endToEnd, count);
    minute.hubLatency.record(processing, count);
    this.totals.latency.record(endToEnd, count);
    this.totals.hubLatency.record(processing, count);
  }

  deliveryFailed(reason: string, count: number): void {
    if (count <= 0) return;
    this.#minute.deliveryFailures += count;
    this.totals.deliveryFailures += count;
    bump(this.#minute.errors, reason, count);
    bump(this.totals.errors, reason, count);
  }

  rateLimited(kind: 'request' | 'stream'): void {
    this.#minute.rateLimited++;
    this.totals.rateLimited++;
    bump(this.#minute.errors, `rate_limited_${kind}`);
    bump(this.totals.errors, `rate_limited_${kind}`);
  }

  /** Records a backlog sample (bytes not yet flushed to sockets); the minute keeps the highest. */
  observeBacklog(bytes: number): void {
    if (bytes > this.#minute.backlogMax) this.#minute.backlogMax = bytes;
  }

  /** The current minute so far, without resetting it. Histograms are shared: read, never mutate. */
  peekMinute(): TrafficMinute {
    const now = this.#now();
    const durationMs = Math.max(0, now - this.#minuteStart);
    const integral = this.#integral + this.#active * (now - this.#lastChange);
    return { start: this.#minuteStart, durationMs, traffic: this.#finish({ ...this.#minute }, durationMs, integral) };
  }

  /** Ends the current minute: returns its traffic and starts a new one at the current time. */
  takeMinute(): TrafficMinute {
    const now = this.#now();
    const taken = this.peekMinute();
    const traffic = taken.traffic;
    this.#previous = { latency: traffic.latency, hubLatency: traffic.hubLatency, deliveries: traffic.deliveries, failures: traffic.deliveryFailures };
    this.#minute = emptyTraffic();
    this.#minute.connMax = this.#active;
    this.#minuteStart = now;
    this.#integral = 0;
    this.#lastChange = now;
    return taken;
  }

  /**
   * Latency and delivery outcomes over the previous and the current minute (one to two minutes),
   * for alert rules: a fresh, mergeable copy.
   */
  recent(): RecentTraffic {
    return {
      latency: this.#previous.latency.clone().merge(this.#minute.latency),
      hubLatency: this.#previous.hubLatency.clone().merge(this.#minute.hubLatency),
      deliveries: this.#previous.deliveries + this.#minute.deliveries,
      failures: this.#previous.failures + this.#minute.deliveryFailures,
    };
  }

  live(): LiveTraffic {
    return {
      startedAt: this.startedAt,
      active: this.#active,
      eventsInPerSecond: this.#eventsIn.perSecond(),
      coreEventsPerSecond: this.#coreEvents.perSecond(),
      deliveriesPerSecond: this.#deliveries.perSecond(),
      bytesOutPerSecond: this.#bytes.perSecond(),
      byUser: Object.fromEntries(this.#byUser),
      byIp: Object.fromEntries(this.#byIp),
      byHttpVersion: Object.fromEntries(this.#byHttpVersion),
      byListener: Object.fromEntries(this.#byListener),
    };
  }

  #finish(fields: TrafficFields, durationMs: number, integral: number): TrafficFields {
    fields.connCurrent = this.#active;
    fields.connMax = Math.max(fields.connMax, this.#active);
    fields.connAvg = durationMs > 0 ? integral / durationMs : this.#active;
    // At least one second, so a flush moments after a minute began does not report a spike.
    fields.rateMax = fields.deliveries / (Math.max(durationMs, 1000) / 1000);
    return fields;
  }

  #setActive(n: number): void {
    const now = this.#now();
    this.#integral += this.#active * Math.max(0, now - this.#lastChange);
    this.#lastChange = now;
    this.#active = n;
    if (n > this.#minute.connMax) this.#minute.connMax = n;
  }
}
