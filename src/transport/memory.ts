/**
 * The single-process transport: a ring of the last `capacity` events with consecutive integer
 * ids. Delivery is synchronous inside `publish`, so an event reaches the sockets in the same tick
 * it was published.
 *
 * Ids start at `firstId` (default: the start time in microseconds), so a process restart does
 * not hand out ids a client may still hold from the previous run; such an id is older than the
 * ring and replays as a gap instead of silently matching unrelated events.
 */
import type { HubEvent, StampedEvent } from '../base/types.ts';
import { type ReplayResult, type Transport, type TransportListener, TransportStoppedError } from './transport.ts';

export interface MemoryTransportOptions {
  /** Events kept for replay (`replay_buffer_size`). 0 keeps none. Default 1000. */
  capacity?: number;
  /** The first id handed out. Default: `Date.now() * 1000` read in `start()`. */
  firstId?: number;
  /** Receives errors thrown by listeners (they never stop delivery to the others). Default: ignore. */
  onListenerError?: (err: unknown) => void;
}

/** Ids are decimal integers without sign or leading zeros, within the safe integer range. */
const ID_PATTERN = /^(0|[1-9]\d{0,15})$/;

export class MemoryTransport implements Transport {
  readonly #capacity: number;
  readonly #ring: (StampedEvent | undefined)[];
  readonly #listeners = new Set<TransportListener>();
  readonly #onListenerError: (err: unknown) => void;
  #firstId: number | undefined;
  /** The id of the last event published; `firstId - 1` before any. */
  #last = -1;
  #running = false;

  constructor(options: MemoryTransportOptions = {}) {
    this.#capacity = Math.max(0, Math.floor(options.capacity ?? 1000));
    this.#ring = new Array<StampedEvent | undefined>(this.#capacity);
    this.#firstId = options.firstId;
    this.#onListenerError = options.onListenerError ?? (() => {});
  }

  async start(): Promise<void> {
    if (this.#running) return;
    if (this.#firstId === undefined) this.#firstId = Date.now() * 1000;
    if (this.#last < 0) this.#last = this.#firstId - 1;
    this.#running = true;
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#listeners.clear();
  }

  async publish(event: HubEvent): Promise<StampedEvent> {
    return this.publishSync(event);
  }

  /** `publish` without the promise, for in-process producers that want the stamped event at once. */
  publishSync(event: HubEvent): StampedEvent {
    if (!this.#running) throw new TransportStoppedError();
    const seq = ++this.#last;
    const stamped: StampedEvent = { id: String(seq), event };
    if (this.#capacity > 0) this.#ring[seq % this.#capacity] = stamped;
    for (const listener of this.#listeners) {
      try {
        listener(stamped);
      } catch (err) {
        this.#onListenerError(err);
      }
    }
    return stamped;
  }

  subscribe(listener: TransportListener): () => void {
    // A wrapper makes each subscription distinct even when the same function subscribes twice.
    const entry: TransportListener = (event) => listener(event);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  async replay(sinceId: string): Promise<ReplayResult> {
    if (!ID_PATTERN.test(sinceId) || this.#firstId === undefined) return { kind: 'gap' };
    const since = Number(sinceId);
    const last = this.#last;
    // Ids from the future, or from before this transport's first id, are unknown here.
    if (since > last || since < this.#firstId - 1) return { kind: 'gap' };
    const oldestKept = Math.max(this.#firstId, last - this.#capacity + 1);
    // `since` itself need not be kept: replay starts after it, so `oldestKept - 1` still works.
    if (since < oldestKept - 1) return { kind: 'gap' };
    const events: StampedEvent[] = [];
    for (let seq = since + 1; seq <= last; seq++) {
      const stamped = this.#ring[seq % this.#capacity];
      if (stamped) events.push(stamped);
    }
    return { kind: 'events', events };
  }

  head(): string {
    if (this.#firstId === undefined) throw new TransportStoppedError();
    return String(this.#last);
  }
}
