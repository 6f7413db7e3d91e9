/**
 * The hub's open streams by connection id, and how one ends: closed by the hub (with the notice
 * that says why, `close-reason.ts`, and a grace period before its sink is destroyed), swept when
 * congested too long or too old, or gone because the client left (its sink closed). Every
 * subscriber reports its sink's close here: one owner for all, no closure per stream.
 */
import type { CloseReason, ConnectionSnapshot, HubObserver } from '../base/types.ts';
import { isoTime } from '../base/iso-time.ts';
import type { Timers } from '../base/timers.ts';
import type { BatchWindows } from './batch.ts';
import { closeNotice } from './close-reason.ts';
import { encodeFrame, errorPayload } from './frame.ts';
import type { HubLimits } from './limits.ts';
import type { Subscriber, SubscriberOwner } from './subscriber.ts';

export interface StreamsInit {
  limits: Readonly<HubLimits>;
  observer: HubObserver;
  /** The `batch=<ms>` windows: what was queued goes before the notice. */
  batches: BatchWindows;
  now: () => number;
  timers: Timers;
  /** Randomness for retry jitter, in [0, 1). */
  random: () => number;
  /** Takes an ended stream out of routing, selections and the interest ledger. */
  unroute(sub: Subscriber): void;
}

export class Streams implements SubscriberOwner {
  readonly #subs = new Map<string, Subscriber>();
  readonly #limits: Readonly<HubLimits>;
  readonly #observer: HubObserver;
  readonly #batches: BatchWindows;
  readonly #now: () => number;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #unroute: (sub: Subscriber) => void;
  #whenEmpty: (() => void) | undefined;

  constructor(init: StreamsInit) {
    this.#limits = init.limits;
    this.#observer = init.observer;
    this.#batches = init.batches;
    this.#now = init.now;
    this.#timers = init.timers;
    this.#random = init.random;
    this.#unroute = init.unroute;
  }

  get size(): number {
    return this.#subs.size;
  }

  /** Every registered stream, open or closing. */
  values(): IterableIterator<Subscriber> {
    return this.#subs.values();
  }

  get(id: string): Subscriber | undefined {
    return this.#subs.get(id);
  }

  add(sub: Subscriber): void {
    this.#subs.set(sub.id, sub);
  }

  /**
   * Ends a stream: unroutes it, releases its interest, and asks it to write why and end; its sink
   * is destroyed if it has not closed within `closeGraceMs`.
   */
  close(sub: Subscriber, reason: CloseReason): void {
    if (!sub.open) return;
    const now = this.#now();
    const limits = this.#limits;
    this.#unroute(sub);
    if (sub.hasQueued && reason !== 'slow_consumer') this.#batches.flush(sub, now); // what was queued goes before the notice
    const notice = closeNotice(reason, limits);
    let last: Buffer | undefined;
    if (notice) {
      const retry = limits.retryMs + (notice.jitter ? Math.floor(this.#random() * limits.retryJitterMs) : 0);
      last = encodeFrame({ retry, id: sub.lastId, data: errorPayload(notice.code, notice.message, isoTime(now)) });
    }
    sub.close(last, now, reason === 'client_closed' ? undefined : { timers: this.#timers, ms: limits.closeGraceMs });
    if (reason === 'slow_consumer') this.#observer.deliveryFailed('slow_consumer', 1);
    this.#observer.connectionClosed(sub.snapshot(), reason);
  }

  /** Closes streams congested for `inactivityTimeoutMs` (`inactive`) or past their age (`max_age`). */
  sweep(): void {
    const now = this.#now();
    for (const sub of this.#subs.values()) {
      if (!sub.open) continue;
      if (sub.congestedSince !== null && now - sub.congestedSince >= this.#limits.inactivityTimeoutMs) {
        this.close(sub, 'inactive');
      } else if (sub.expiresAt !== null && now >= sub.expiresAt) {
        this.close(sub, 'max_age');
      }
    }
  }

  /** A sink closed: a stream the client left is closed as `client_closed`; either way it is gone. */
  subscriberClosed(sub: Subscriber, wasOpen: boolean): void {
    if (!this.#subs.delete(sub.id)) return;
    if (wasOpen) {
      this.#unroute(sub);
      this.#observer.connectionClosed(sub.snapshot(), 'client_closed');
    }
    if (this.#subs.size === 0 && this.#whenEmpty) {
      const resolve = this.#whenEmpty;
      this.#whenEmpty = undefined;
      resolve();
    }
  }

  /** Resolves once every sink closed; sinks still open after `graceMs` are destroyed. */
  async drained(graceMs: number): Promise<void> {
    if (this.#subs.size === 0) return;
    const timer = this.#timers.setTimeout(() => {
      for (const sub of this.#subs.values()) sub.destroy();
    }, graceMs);
    await new Promise<void>((resolve) => (this.#whenEmpty = resolve));
    this.#timers.clearTimeout(timer);
  }

  snapshots(): ConnectionSnapshot[] {
    return [...this.#subs.values()].map((sub) => sub.snapshot());
  }

  /** Bytes written to all streams' sockets but not yet flushed. */
  backlogBytes(): number {
    let total = 0;
    for (const sub of this.#subs.values()) total += sub.backlogBytes;
    return total;
  }
}
