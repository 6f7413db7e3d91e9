/**
 * The per-event fan-out: one stamped event from the transport to every stream the routing index
 * matches. The event is encoded once and the same bytes go to every plain stream; a shaped stream
 * gets its shaper's frame (shared per shape, `shaped-encodings.ts`); a batching stream queues it
 * (`batch.ts`); a stream still in its replay handover holds it. Writes of one burst are merged per
 * socket per tick (`tick-cork.ts`).
 *
 * This is the hot path: one walk per event, no allocation or indirection per delivery beyond the
 * routing index's callback. Closing a stream is the hub's decision, so the streams the
 * slow-consumer limit refused are handed back after the walk (closing changes the index).
 */
import type { HubObserver, StampedEvent } from '../base/types.ts';
import type { BatchWindows } from './batch.ts';
import { encodeFrame, eventPayload } from './frame.ts';
import type { RoutingIndex } from './routing.ts';
import type { ShapedFrame } from './stream-shaper.ts';
import type { Subscriber } from './subscriber.ts';
import { TickCork } from './tick-cork.ts';

export interface FanOutInit {
  routing: RoutingIndex<Subscriber>;
  /** The `batch=<ms>` windows of batching streams. */
  batches: BatchWindows;
  observer: HubObserver;
  now: () => number;
  /** Closes a stream the slow-consumer limit refused (`slow_consumer`). */
  overflowed: (sub: Subscriber) => void;
}

export class FanOut {
  readonly #routing: RoutingIndex<Subscriber>;
  readonly #batches: BatchWindows;
  readonly #observer: HubObserver;
  readonly #now: () => number;
  readonly #overflowed: (sub: Subscriber) => void;
  readonly #cork: TickCork;
  /** Encoded frames of recent events, reused when the same stamped event is replayed. */
  readonly #frames = new WeakMap<StampedEvent, Buffer>();

  constructor(init: FanOutInit) {
    this.#routing = init.routing;
    this.#batches = init.batches;
    this.#observer = init.observer;
    this.#now = init.now;
    this.#overflowed = init.overflowed;
    this.#cork = new TickCork(init.now);
  }

  /** Delivers one event from the transport to every matching stream. */
  deliver(stamped: StampedEvent): void {
    const event = stamped.event;
    this.#observer.eventReceived(event);
    if (this.#routing.size === 0) return;
    const now = this.#now();
    const batch = this.#cork.begin();
    let frame: Buffer | undefined;
    let written = 0;
    let overflowed: Subscriber[] | undefined;
    this.#routing.forEachMatch(event, (sub) => {
      if (sub.shaper && sub.state === 'live') {
        const shaped = sub.shaper.take(stamped, sub.lastId);
        if (shaped && !this.writeShaped(sub, shaped, now, batch)) (overflowed ??= []).push(sub);
        return;
      }
      frame ??= this.frameOf(stamped);
      if (sub.state === 'live') {
        if (sub.batchMs > 0) {
          if (!this.#batches.queue(sub, stamped, frame)) (overflowed ??= []).push(sub);
          return;
        }
        if (batch) this.#cork.add(sub);
        if (sub.writeEvent(stamped, frame, now)) written++;
        else (overflowed ??= []).push(sub);
      } else if (sub.state === 'handover' && !sub.hold(stamped, frame)) {
        (overflowed ??= []).push(sub);
      }
    });
    if (frame && written > 0) this.#observer.delivered(event, written, frame.length, now);
    // Closing changes the index, so it waits until the walk is over.
    if (overflowed) for (const sub of overflowed) this.#overflowed(sub);
  }

  /** Writes (or queues, on a batching stream) a shaped frame; false when the limit refused it. */
  writeShaped(sub: Subscriber, shaped: ShapedFrame, now: number, corked: boolean): boolean {
    if (sub.batchMs > 0) return this.#batches.queue(sub, shaped.stamped, shaped.frame);
    if (corked) this.#cork.add(sub);
    if (!sub.writeEvent(shaped.stamped, shaped.frame, now)) return false;
    this.#observer.delivered(shaped.stamped.event, 1, shaped.frame.length, now);
    return true;
  }

  /** The shared encoding of a stamped event. */
  frameOf(stamped: StampedEvent): Buffer {
    let frame = this.#frames.get(stamped);
    if (!frame) {
      frame = encodeFrame({ id: stamped.id, data: eventPayload(stamped.event) });
      this.#frames.set(stamped, frame);
    }
    return frame;
  }
}
