/**
 * The standby's short memory of core's events (docs/redis.md, "Leader handover"): the standby
 * instance holds its own core subscription and keeps every event it received here, keyed by
 * core's identity of the event (context id, type, `time_fired`, plus the entities, since one
 * context can change several entities in the same microsecond). Every event read back from the
 * shared stream is crossed off. When the standby takes the lead, what is left is what the dead
 * leader received but never appended: it is appended in the order core sent it, before anything
 * live, and nothing the stream already holds is appended twice.
 *
 * Bounded: entries older than `windowMs` or beyond `maxEvents` are dropped (the stream crossed
 * them off long ago, or the leader was gone for longer than any takeover takes).
 */
import type { HubEvent } from '../base/types.ts';

export interface HandoverBufferOptions {
  /** Milliseconds an entry (received or seen in the stream) is kept. Default 60 000. */
  windowMs?: number;
  /** Entries kept at most, each side. Default 10 000. */
  maxEvents?: number;
  /** The clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}

interface Held {
  event: HubEvent;
  at: number;
  /** Core's order of the event, given by the caller: an append that failed late goes back in its place. */
  seq: number;
}

/** Core's identity of an event, or undefined for events core never sent (resync, status). */
export function handoverKey(event: HubEvent): string | undefined {
  if (event.coreId === undefined || event.resync) return undefined;
  return `${event.coreId}|${event.entityIds.join(',')}`;
}

export class HandoverBuffer {
  readonly #windowMs: number;
  readonly #maxEvents: number;
  readonly #now: () => number;
  /** Received from core and not (yet) seen in the stream, in core's order. */
  readonly #pending = new Map<string, Held>();
  /** Seen in the stream before (or without) arriving here: not to be held when they do. */
  readonly #seen = new Map<string, number>();

  constructor(options: HandoverBufferOptions = {}) {
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxEvents = options.maxEvents ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Entries pruned before the stream showed them: events no leader may have appended. */
  dropped = 0;

  get size(): number {
    return this.#pending.size;
  }

  /**
   * An event this instance received from core (`seq` its place in core's order), or one whose
   * append failed (held again, in its place, unless the stream showed it meanwhile).
   */
  received(event: HubEvent, seq: number): void {
    const key = handoverKey(event);
    if (key === undefined) return;
    const now = this.#now();
    this.#prune(now);
    if (this.#seen.delete(key)) return;
    this.#pending.set(key, { event, at: now, seq });
  }

  /** An event read back from the shared stream: some leader appended it. */
  appended(event: HubEvent): void {
    const key = handoverKey(event);
    if (key === undefined) return;
    if (this.#pending.delete(key)) return;
    const now = this.#now();
    this.#prune(now);
    this.#seen.set(key, now);
  }

  /**
   * What was received and never appended, in core's order (an append that failed after a later
   * one did is not last); the buffer is empty afterwards.
   */
  take(): HubEvent[] {
    const events = [...this.#pending.values()].sort((a, b) => a.seq - b.seq).map((held) => held.event);
    this.#pending.clear();
    return events;
  }

  clear(): void {
    this.#pending.clear();
    this.#seen.clear();
  }

  #prune(now: number): void {
    const oldest = now - this.#windowMs;
    for (const map of [this.#pending, this.#seen] as Map<string, Held | number>[]) {
      for (const [key, value] of map) {
        const at = typeof value === 'number' ? value : value.at;
        if (at >= oldest && map.size <= this.#maxEvents) break;
        map.delete(key);
        if (map === this.#pending) this.dropped++;
      }
    }
  }
}
