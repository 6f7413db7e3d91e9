/**
 * Batch windows for streams that asked for `batch=<ms>` (DOCS.md): their live events are
 * queued and leave as one `batch` frame per window instead of one frame each. Fewer, larger
 * writes: on loopback and LAN the socket write is most of what a delivery costs.
 *
 * Windows are shared: every stream with the same `batch` value is flushed by one timer, so
 * streams that queued the same events in the same window get the same frame, encoded once (found
 * by comparing the queued events themselves). A window starts with the first event queued after
 * the last flush and ends `ms` later; an event waits at most `ms`. A stream whose queue reaches
 * its batch size is flushed at once. System frames never wait: the hub flushes a stream's queue
 * ({@link BatchWindows.flush}) before it writes a ping, a notice or the last frame.
 */
import type { HubEvent } from '../base/types.ts';
import { isoTime } from '../base/iso-time.ts';
import type { TimerHandle, Timers } from '../base/timers.ts';
import { encodeBatchFrame, payloadOf } from './frame.ts';
import type { HeldEvent, Subscriber } from './subscriber.ts';

/** What the windows tell the hub. */
export interface BatchOwner {
  /** `count` streams received `event` in a batch (bytes: the event's own frame length). */
  delivered(event: HubEvent, count: number, bytes: number, now: number): void;
  /** These streams' batch did not fit under their limit: close them as slow consumers. */
  overflowed(subs: readonly Subscriber[]): void;
}

interface Window {
  handle: TimerHandle;
  subs: Subscriber[];
}

/** Encodes `events` as one `batch` frame. */
export function batchFrame(events: readonly HeldEvent[], now: number): Buffer {
  return encodeBatchFrame(
    events.at(-1)!.stamped.id,
    events.map((held) => payloadOf(held.frame)),
    isoTime(now),
  );
}

/**
 * Writes `events` to a batching stream at once, as `batch` frames of at most its batch size
 * (history after a resume, the events held during the handover). False when the limit refused one.
 */
export function writeBatches(sub: Subscriber, events: readonly HeldEvent[], now: number): boolean {
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < events.length; i++) {
    bytes += events[i]!.frame.length;
    if (bytes >= sub.corkFlushBytes || i === events.length - 1) {
      const part = events.slice(start, i + 1);
      if (!sub.writeBatch(batchFrame(part, now), part, now)) return false;
      start = i + 1;
      bytes = 0;
    }
  }
  return true;
}

function sameEvents(a: readonly HeldEvent[], b: readonly HeldEvent[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.stamped !== b[i]!.stamped) return false;
  return true;
}

export class BatchWindows {
  readonly #windows = new Map<number, Window>();

  constructor(
    readonly timers: Timers,
    readonly now: () => number,
    readonly owner: BatchOwner,
  ) {}

  /** Queues a live event for `sub` (a batching stream); false when its limit refused it. */
  queue(sub: Subscriber, stamped: HeldEvent['stamped'], frame: Buffer): boolean {
    const first = !sub.hasQueued;
    if (!sub.queue(stamped, frame)) return false;
    if (first) this.#windowOf(sub.batchMs).subs.push(sub);
    if (sub.queuedBytes >= sub.corkFlushBytes) return this.flush(sub, this.now());
    return true;
  }

  /** Writes `sub`'s queued events now (before a system frame, or when its queue is full); false when the limit refused them. */
  flush(sub: Subscriber, now: number): boolean {
    const events = sub.takeQueued();
    if (!events || !sub.open) return true;
    const ok = sub.writeBatch(batchFrame(events, now), events, now);
    if (ok) for (const held of events) this.owner.delivered(held.stamped.event, 1, held.frame.length, now);
    return ok;
  }

  /** Drops every window (the hub stopped; its streams are closing). */
  stop(): void {
    for (const window of this.#windows.values()) this.timers.clearTimeout(window.handle);
    this.#windows.clear();
  }

  #windowOf(ms: number): Window {
    let window = this.#windows.get(ms);
    if (!window) {
      window = { handle: this.timers.setTimeout(() => this.#end(ms), ms), subs: [] };
      this.#windows.set(ms, window);
    }
    return window;
  }

  #end(ms: number): void {
    const window = this.#windows.get(ms);
    if (!window) return;
    this.#windows.delete(ms);
    const now = this.now();
    // Encodings of this window by their last event; streams with the same queue share one.
    const encoded = new Map<HeldEvent['stamped'], { events: HeldEvent[]; frame: Buffer }[]>();
    const counts = new Map<HeldEvent['stamped'], { held: HeldEvent; count: number }>();
    const overflowed: Subscriber[] = [];
    for (const sub of window.subs) {
      const events = sub.takeQueued();
      if (!events || !sub.open) continue;
      const last = events.at(-1)!.stamped;
      let candidates = encoded.get(last);
      if (!candidates) encoded.set(last, (candidates = []));
      let shared = candidates.find((e) => sameEvents(e.events, events));
      if (!shared) candidates.push((shared = { events, frame: batchFrame(events, now) }));
      if (!sub.writeBatch(shared.frame, events, now)) {
        overflowed.push(sub);
        continue;
      }
      for (const held of events) {
        const entry = counts.get(held.stamped);
        if (entry) entry.count++;
        else counts.set(held.stamped, { held, count: 1 });
      }
    }
    for (const { held, count } of counts.values()) this.owner.delivered(held.stamped.event, count, held.frame.length, now);
    if (overflowed.length > 0) this.owner.overflowed(overflowed);
  }
}
