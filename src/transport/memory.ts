/**
 * The single-process transport: events get consecutive integer ids, and the history is a
 * {@link ReplayRing} of their JSON text kept by the {@link ReplayPolicy} (by age, by count and
 * within a byte budget). Delivery is synchronous inside `publish`, so an event reaches the sockets
 * in the same tick it was published; a replay decodes the held text into fresh events.
 *
 * Ids start at `firstId` (default: the start time in microseconds), so a process restart does
 * not hand out ids a client may still hold from the previous run; such an id is older than the
 * history and replays as a gap instead of silently matching unrelated events.
 */
import type { HubEvent, StampedEvent } from '../base/types.ts';
import { ReplayRing } from './replay-ring.ts';
import {
  DEFAULT_REPLAY_POLICY,
  type ReplayPolicy,
  type ReplayResult,
  type ReplayWindow,
  type Transport,
  type TransportListener,
  TransportStoppedError,
  replayWindow,
} from './transport.ts';

export interface MemoryTransportOptions {
  /** What the history keeps. Default {@link DEFAULT_REPLAY_POLICY} (10 minutes, at least 1000 events, 16 MiB). */
  history?: ReplayPolicy;
  /** The first id handed out. Default: `now() * 1000` read in `start()`. */
  firstId?: number;
  /** The clock (epoch ms) that dates events for the window. Default `Date.now`. */
  now?: () => number;
  /** Receives errors thrown by listeners (they never stop delivery to the others). Default: ignore. */
  onListenerError?: (err: unknown) => void;
}

/** Ids are decimal integers without sign or leading zeros, within the safe integer range. */
const ID_PATTERN = /^(0|[1-9]\d{0,15})$/;

export class MemoryTransport implements Transport {
  readonly #policy: ReplayPolicy;
  readonly #now: () => number;
  readonly #ring = new ReplayRing();
  readonly #listeners = new Set<TransportListener>();
  readonly #onListenerError: (err: unknown) => void;
  #firstId: number | undefined;
  /** The id of the last event published; `firstId - 1` before any. */
  #last = -1;
  /** When the newest event the history dropped was published; undefined while none was dropped. */
  #droppedAt: number | undefined;
  #running = false;

  constructor(options: MemoryTransportOptions = {}) {
    this.#policy = options.history ?? DEFAULT_REPLAY_POLICY;
    this.#now = options.now ?? Date.now;
    this.#firstId = options.firstId;
    this.#onListenerError = options.onListenerError ?? (() => {});
  }

  async start(): Promise<void> {
    if (this.#running) return;
    if (this.#firstId === undefined) this.#firstId = this.#now() * 1000;
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
    const now = this.#now();
    this.#ring.push(JSON.stringify(event), now);
    this.#trim(now);
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
    // Age counts at the moment of asking, not only when the next event arrives.
    this.#trim(this.#now());
    const oldestHeld = last - this.#ring.length + 1;
    // `since` itself need not be held: replay starts after it, so `oldestHeld - 1` still works.
    if (since < oldestHeld - 1) return { kind: 'gap' };
    const events: StampedEvent[] = [];
    for (let seq = since + 1; seq <= last; seq++) {
      events.push({ id: String(seq), event: JSON.parse(this.#ring.text(seq - oldestHeld)) as HubEvent });
    }
    return { kind: 'events', events };
  }

  head(): string {
    if (this.#firstId === undefined) throw new TransportStoppedError();
    return String(this.#last);
  }

  window(): ReplayWindow {
    const now = this.#now();
    this.#trim(now);
    const ring = this.#ring;
    return replayWindow(this.#droppedAt ?? (ring.length > 0 ? ring.time(0) : undefined), now, ring.length, ring.bytes);
  }

  /** Drops the oldest events the policy no longer keeps. */
  #trim(now: number): void {
    const { windowMs, minEvents, maxBytes } = this.#policy;
    const ring = this.#ring;
    while (ring.length > 0) {
      const overBudget = ring.bytes > maxBytes;
      const keptByAge = now - ring.time(0) < windowMs;
      if (!overBudget && (keptByAge || ring.length <= minEvents)) return;
      this.#droppedAt = ring.time(0);
      ring.shift();
    }
  }
}
