/**
 * One stream's shaping (DOCS.md "Shaping"): `fields`, `format=entities` and `throttle=<ms>`,
 * applied at the edge of the hub after routing, so it works the same with every transport
 * (the transport stamps the ids; the shaper only picks which id a frame carries).
 *
 * Throttle: per entity, the first update opens a window of `throttleMs` and is sent at once; later
 * updates in the window replace each other, and the latest leaves when the window ends (trailing
 * edge), opening the next window. With `format=entities` the deferred frame is the diff from the
 * state this stream last delivered to the latest (per stream, not the last event's diff).
 *
 * Ids while an update is held back: a frame's id is a position the client can resume from without
 * losing the held update, that is the stream's position when the oldest held update arrived.
 * Frames sent meanwhile repeat that position, and once nothing is held the frame carries the newest
 * event this stream was routed. A resume from such an id may replay updates the client already has;
 * diffs applied again converge to the same states, and a throttled `format=entities` resume always
 * starts from a fresh `a` snapshot (`opening.ts`), because a composite diff is only exact from the
 * state the same stream delivered.
 */
import type { HaState, StampedEvent } from '../base/types.ts';
import type { TimerHandle, Timers } from '../base/timers.ts';
import { type StateLike, addPayload, isRemoval, removePayload, transitionPayload } from './entities-format.ts';
import { projectStateChange } from './fields.ts';
import { encodeFrame, initialStatePayload } from './frame.ts';
import { type ShapedEncodings, type StreamShape, projected, stateEntityOf } from './shaped-encodings.ts';

/**
 * The entity selection of a stream as this module needs it: membership and a change notification.
 * `src/hub/selection.ts` (selectors by area, label, …) provides it; a static filter needs none.
 */
export interface SelectionLike {
  has(entityId: string): boolean;
  /** Calls `listener` with the entities that entered and left; returns the unsubscribe function. */
  onChange(listener: (added: readonly string[], removed: readonly string[]) => void): () => void;
}

/** A frame ready for a stream, with the position it moves the stream to (`stamped.id`). */
export interface ShapedFrame {
  stamped: StampedEvent;
  frame: Buffer;
}

export interface StreamShaperInit {
  shape: StreamShape;
  encodings: ShapedEncodings;
  timers: Timers;
  /** Writes a frame that left on its own (the end of a throttle window). */
  emit(frame: ShapedFrame): void;
}

interface Window {
  handle: TimerHandle;
  /** The latest update held back in this window. */
  pending?: StampedEvent;
  /** The stream's position when the first update of the window was held back. */
  positionBefore?: string | null;
}

export class StreamShaper {
  readonly shape: StreamShape;
  readonly #encodings: ShapedEncodings;
  readonly #timers: Timers;
  readonly #emit: (frame: ShapedFrame) => void;
  /** Open throttle windows by entity (throttled streams only). */
  readonly #windows = new Map<string, Window>();
  /** Entities with an update held back, in the order their first one arrived (the oldest gives the position). */
  readonly #held = new Map<string, Window>();
  /** What the client holds per entity (throttled `format=entities` streams only): the base of its next diff. */
  readonly #delivered = new Map<string, StateLike>();
  /** The newest event routed to this stream. */
  #processed: string | null = null;
  #unwatch: (() => void) | undefined;

  constructor(init: StreamShaperInit) {
    this.shape = init.shape;
    this.#encodings = init.encodings;
    this.#timers = init.timers;
    this.#emit = init.emit;
  }

  /** True while an update is held back by the throttle. */
  get holding(): boolean {
    return this.#held.size > 0;
  }

  get #tracksDelivered(): boolean {
    return this.shape.throttleMs > 0 && this.shape.format === 'entities';
  }

  /**
   * The frame this stream gets for a routed event now, or undefined (held back by the throttle, or
   * nothing to send in this format). `position` is the stream's current position.
   */
  take(stamped: StampedEvent, position: string | null): ShapedFrame | undefined {
    this.#processed = stamped.id;
    const entityId = stateEntityOf(stamped.event);
    if (this.shape.throttleMs === 0 || entityId === undefined) return this.#out(stamped, entityId);
    const window = this.#windows.get(entityId);
    if (window) {
      if (!window.pending) {
        window.positionBefore = position;
        this.#held.set(entityId, window);
      }
      window.pending = stamped;
      return undefined;
    }
    this.#open(entityId);
    return this.#out(stamped, entityId);
  }

  /** The `a` snapshot of a `format=entities` stream; a throttled stream remembers it as what the client holds. */
  snapshotPayload(states: readonly HaState[]): string {
    const shaped = states.map((state) => projected(state as unknown as StateLike, this.shape.fields));
    if (this.#tracksDelivered) {
      this.#delivered.clear();
      for (const state of shaped) this.#delivered.set(String(state.entity_id), state);
    }
    return addPayload(shaped);
  }

  /** An initial state (`initial_state=true`) as a `state_changed` payload, projected by `fields`. */
  initialPayload(state: HaState, timestamp: string): string {
    const payload = initialStatePayload(state, timestamp);
    if (!this.shape.fields) return payload;
    const parsed = JSON.parse(payload) as { type: string; data: Record<string, unknown>; timestamp: string };
    return JSON.stringify({ ...parsed, data: projectStateChange(parsed.data, this.shape.fields) });
  }

  /**
   * The selection changed (`format=entities` only; other formats send nothing): the payloads for
   * entities that entered (`a` of their current states) and left (`r`). Held updates of entities
   * that left are dropped.
   */
  selectionChanged(entered: readonly HaState[], left: readonly string[]): string[] {
    for (const id of left) {
      const window = this.#windows.get(id);
      if (window) this.#timers.clearTimeout(window.handle);
      this.#windows.delete(id);
      this.#held.delete(id);
      this.#delivered.delete(id);
    }
    if (this.shape.format !== 'entities') return [];
    const payloads: string[] = [];
    if (entered.length > 0) {
      const shaped = entered.map((state) => projected(state as unknown as StateLike, this.shape.fields));
      if (this.#tracksDelivered) for (const state of shaped) this.#delivered.set(String(state.entity_id), state);
      payloads.push(addPayload(shaped));
    }
    if (left.length > 0) payloads.push(removePayload(left));
    return payloads;
  }

  /** Follows `selection`'s changes with `listener` until {@link stop}. */
  watch(selection: SelectionLike, listener: (added: readonly string[], removed: readonly string[]) => void): void {
    this.#unwatch?.();
    this.#unwatch = selection.onChange(listener);
  }

  /** Drops every window and stops following the selection (the stream ended). */
  stop(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    for (const window of this.#windows.values()) this.#timers.clearTimeout(window.handle);
    this.#windows.clear();
    this.#held.clear();
    this.#delivered.clear();
  }

  #open(entityId: string): void {
    this.#windows.set(entityId, { handle: this.#timers.setTimeout(() => this.#windowEnded(entityId), this.shape.throttleMs) });
  }

  #windowEnded(entityId: string): void {
    const window = this.#windows.get(entityId);
    this.#windows.delete(entityId);
    if (!window?.pending) return;
    this.#held.delete(entityId);
    this.#open(entityId); // the trailing update starts the next window
    const out = this.#out(window.pending, entityId);
    if (out) this.#emit(out);
  }

  /** The frame for `stamped` now, carrying the position a resume can safely start from. */
  #out(stamped: StampedEvent, entityId: string | undefined): ShapedFrame | undefined {
    const oldest = this.#held.values().next().value;
    const id = oldest ? (oldest.positionBefore ?? stamped.id) : (this.#processed ?? stamped.id);
    if (this.#tracksDelivered && entityId !== undefined) {
      const after = projected(stamped.event.data as StateLike, this.shape.fields);
      const payload = transitionPayload(entityId, this.#delivered.get(entityId), after);
      if (isRemoval(after)) this.#delivered.delete(entityId);
      else this.#delivered.set(entityId, after);
      if (payload === undefined) return undefined;
      return { stamped: { id, event: stamped.event }, frame: encodeFrame({ id, data: payload }) };
    }
    if (id === stamped.id) {
      const frame = this.#encodings.frame(stamped, this.shape);
      return frame ? { stamped, frame } : undefined;
    }
    const payload = this.#encodings.payload(stamped, this.shape);
    return payload === null ? undefined : { stamped: { id, event: stamped.event }, frame: encodeFrame({ id, data: payload }) };
  }
}
