/**
 * The glue between shaped streams (`fields`, `format`, `throttle`: DOCS.md "Shaping") and the hub,
 * outside the per-event fan-out: a shaper for each stream that asks for one, the updates a
 * throttle window lets go later, the `a`/`r` frames when a `format=entities` stream's selection
 * changes, and the replayed or held events as the stream's shaping sends them. The shaped payload
 * of an event is computed once per (event, shape) and shared (`shaped-encodings.ts`).
 */
import type { StampedEvent, StateSource } from '../base/types.ts';
import type { Timers } from '../base/timers.ts';
import type { BatchWindows } from './batch.ts';
import type { FanOut } from './fan-out.ts';
import { encodeFrame } from './frame.ts';
import { ShapedEncodings, type StreamShape } from './shaped-encodings.ts';
import { type SelectionLike, type ShapedFrame, StreamShaper } from './stream-shaper.ts';
import type { Subscriber } from './subscriber.ts';

export interface ShapedStreamsInit {
  fanOut: FanOut;
  /** The `batch=<ms>` windows: queued events leave before an `a`/`r` frame. */
  batches: BatchWindows;
  /** Current states, for the entities that enter a `format=entities` selection. */
  states: StateSource;
  timers: Timers;
  now: () => number;
  /** Closes a stream the slow-consumer limit refused (`slow_consumer`). */
  overflowed: (sub: Subscriber) => void;
}

/** A new stream's shaper, waiting for its subscriber (which takes the shaper in its constructor). */
export interface PendingShaper {
  shaper: StreamShaper;
  /** Sends the shaper's late frames to `sub` and follows `selection` (`a`/`r` frames). */
  bind(sub: Subscriber, selection: SelectionLike): void;
}

export class ShapedStreams {
  readonly #fanOut: FanOut;
  readonly #batches: BatchWindows;
  readonly #states: StateSource;
  readonly #timers: Timers;
  readonly #now: () => number;
  readonly #overflowed: (sub: Subscriber) => void;
  /** Shaped payloads and frames of recent events, one per (event, shape), shared by the streams of a shape. */
  readonly #encodings: ShapedEncodings;

  constructor(init: ShapedStreamsInit) {
    this.#fanOut = init.fanOut;
    this.#batches = init.batches;
    this.#states = init.states;
    this.#timers = init.timers;
    this.#now = init.now;
    this.#overflowed = init.overflowed;
    const fanOut = init.fanOut;
    this.#encodings = new ShapedEncodings((stamped: StampedEvent) => fanOut.frameOf(stamped));
  }

  /** A shaper for `shape`, or none when the stream takes events as they are. */
  create(shape: StreamShape | undefined): PendingShaper | undefined {
    if (!shape || !(shape.fields || shape.format === 'entities' || shape.throttleMs > 0)) return undefined;
    let emit: ((frame: ShapedFrame) => void) | undefined;
    const shaper = new StreamShaper({ shape, encodings: this.#encodings, timers: this.#timers, emit: (frame) => emit?.(frame) });
    return {
      shaper,
      bind: (sub, selection) => {
        emit = (frame) => this.#deliverLater(sub, frame);
        shaper.watch(selection, (added, removed) => this.#selectionChanged(sub, added, removed));
      },
    };
  }

  /** Events (replayed or held during the handover) as a shaped stream gets them now. */
  frames(sub: Subscriber, events: readonly ShapedFrame[]): ShapedFrame[] {
    if (!sub.shaper) return [...events];
    const out: ShapedFrame[] = [];
    for (const { stamped } of events) {
      const shaped = sub.shaper.take(stamped, sub.lastId);
      if (shaped) out.push(shaped);
    }
    return out;
  }

  /** A throttled update whose window ended. */
  #deliverLater(sub: Subscriber, shaped: ShapedFrame): void {
    if (!sub.open) return;
    if (!this.#fanOut.writeShaped(sub, shaped, this.#now(), false)) this.#overflowed(sub);
  }

  /** A `format=entities` stream's selection changed: `a` for the entities that entered, `r` for those that left. */
  #selectionChanged(sub: Subscriber, added: readonly string[], removed: readonly string[]): void {
    if (!sub.open || !sub.shaper) return;
    const wanted = new Set(added);
    const entered = wanted.size > 0 ? this.#states.getStates().filter((state) => wanted.has(state.entity_id)) : [];
    const payloads = sub.shaper.selectionChanged(entered, removed);
    if (payloads.length === 0) return;
    const now = this.#now();
    // Queued events leave first, so the frames below carry the id the client will then have.
    let ok = !sub.hasQueued || this.#batches.flush(sub, now);
    for (const payload of payloads) ok = ok && sub.write(encodeFrame({ id: sub.lastId, data: payload }), now);
    if (!ok) this.#overflowed(sub);
  }
}
