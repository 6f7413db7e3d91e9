/**
 * One SSE stream: its filter, its sink, its position in the event sequence and its counters. The
 * subscriber is the only one that changes its state; the hub, the opening and the batch windows ask it to.
 *
 * Life: `handover` (opened, live events held while history is read) → `live` → `closing` (the
 * last frame and the end are written) → `closed` (the sink closed).
 *
 * Backpressure (docs/ARCHITECTURE.md §5.5, docs/decisions.md §3): frames go straight into the
 * sink, which holds references to the shared frame Buffers (no copies). When a write returns false
 * the subscriber is congested until the sink drains; while congested it may still buffer up to
 * `limitBytes`. A frame that would take the buffer past the limit is not queued: the write reports
 * the overflow so the hub closes the stream as a slow consumer, and the notice then queues right
 * behind what the client can still read. Nothing ever waits for a sink.
 *
 * Batching: when the hub corks a subscriber (several events in one tick, or a replay), frames
 * collect in the sink and leave together at {@link Subscriber.flush}. Bytes held back on purpose
 * are not the client's fault: corked writes are flushed before they would grow past `corkFlushBytes`, so what
 * the limit sees is what the client did not read.
 *
 * Batches (`batch=<ms>`, `batch.ts`): a stream that asked for it queues its live events
 * ({@link queue}) and receives them as one `batch` frame per window; the queued bytes count against
 * the limit like unwritten ones.
 */
import { randomUUID } from 'node:crypto';
import type { ConnectionSnapshot, StampedEvent, User } from '../base/types.ts';
import type { TimerHandle, Timers } from '../base/timers.ts';
import { ALL_TYPES, type EventFilter } from './filter.ts';
import { type Routable, RouteMark } from './routing.ts';
import type { SinkListener, StreamSink } from './sink.ts';
import type { StreamShaper } from './stream-shaper.ts';

/** Who is on the other end and how they came in, for snapshots and limits. */
export interface SubscriberMeta {
  /** Per-client key (user id, or `ingress:<id>`). */
  clientId: string;
  ipAddress: string;
  userAgent: string;
  httpVersion: string;
  listener: 'lan' | 'ingress';
  /** The name the client gave itself (`client=<name>`), if any. */
  clientName?: string;
}

export type SubscriberState = 'handover' | 'live' | 'closing' | 'closed';

/** A live event held during the handover, with its shared encoding. */
export interface HeldEvent {
  stamped: StampedEvent;
  frame: Buffer;
}

/** What a subscriber tells its hub (the hub's open streams, `streams.ts`). One object serves every subscriber of a hub. */
export interface SubscriberOwner {
  /** The subscriber's sink closed; it is gone. `wasOpen`: the hub had not closed it first (the client left). */
  subscriberClosed(sub: Subscriber, wasOpen: boolean): void;
}

export interface SubscriberInit {
  /** The connection id. Default: a random UUID. */
  id?: string;
  sink: StreamSink;
  owner: SubscriberOwner;
  user: User;
  filter: EventFilter;
  meta: SubscriberMeta;
  connectedAt: number;
  /** Unwritten bytes allowed before the subscriber counts as a slow consumer. */
  limitBytes: number;
  /** Corked writes are flushed before they grow past this. Default: half the limit, at most 64 KiB. */
  corkFlushBytes?: number;
  /** When the stream must be asked to reconnect (max connection age), or null. */
  expiresAt: number | null;
  /** Milliseconds of events to gather into one `batch` frame (`batch=<ms>`); 0 (default) sends each event at once. */
  batchMs?: number;
  /** The stream's shaping (`fields`, `format`, `throttle`); undefined: events as they are. */
  shaper?: StreamShaper;
}

export class Subscriber implements SinkListener, Routable {
  readonly id: string;
  /** The routing index's scratch (`routing.ts`); the subscriber never reads it. */
  readonly routeMark = new RouteMark();
  readonly user: User;
  readonly filter: EventFilter;
  readonly meta: SubscriberMeta;
  readonly connectedAt: number;
  readonly limitBytes: number;
  readonly corkFlushBytes: number;
  readonly expiresAt: number | null;
  readonly batchMs: number;
  readonly shaper: StreamShaper | undefined;
  readonly #sink: StreamSink;
  readonly #owner: SubscriberOwner;

  #state: SubscriberState = 'handover';
  #corked = false;
  #lastId: string | null = null;
  #eventsSent = 0;
  #bytesSent = 0;
  #lastEventAt: number | null = null;
  #congestedSince: number | null = null;
  /** Live events that arrived during the replay handover (docs/ARCHITECTURE.md §5.6), in order; none until the first. */
  #held: HeldEvent[] | undefined;
  #heldBytes = 0;
  /** Live events queued for the next `batch` frame (batching streams only); none until the first. */
  #queued: HeldEvent[] | undefined;
  #queuedBytes = 0;
  /** Destroys the sink if the last frame has not left in time (see {@link close}). */
  #grace: { timers: Timers; handle: TimerHandle } | undefined;

  constructor(init: SubscriberInit) {
    this.id = init.id ?? randomUUID();
    this.#sink = init.sink;
    this.#owner = init.owner;
    this.user = init.user;
    this.filter = init.filter;
    this.meta = init.meta;
    this.connectedAt = init.connectedAt;
    this.limitBytes = init.limitBytes;
    this.corkFlushBytes = init.corkFlushBytes ?? Math.min(64 * 1024, Math.floor(init.limitBytes / 2));
    this.expiresAt = init.expiresAt;
    this.batchMs = init.batchMs ?? 0;
    this.shaper = init.shaper;
  }

  get state(): SubscriberState {
    return this.#state;
  }

  get open(): boolean {
    return this.#state === 'handover' || this.#state === 'live';
  }

  /** The SSE id of the last event written, or the position the stream started from; system frames carry it. */
  get lastId(): string | null {
    return this.#lastId;
  }

  /** Since when the sink has owed a drain; null when it keeps up. */
  get congestedSince(): number | null {
    return this.#congestedSince;
  }

  /** True while the hub holds this subscriber's frames for one merged write (`tick-cork.ts`). */
  get corked(): boolean {
    return this.#corked;
  }

  /** Unwritten bytes in the sink. */
  get backlogBytes(): number {
    return this.#sink.closed ? 0 : this.#sink.bufferedBytes;
  }

  /** Listens to the sink; true when it is open (a client may leave before it was registered). */
  attach(): boolean {
    this.#sink.listen(this);
    return !this.#sink.closed;
  }

  // SinkListener

  sinkDrained(): void {
    this.#congestedSince = null;
  }

  sinkClosed(): void {
    if (this.#state === 'closed') return;
    const wasOpen = this.open;
    this.#state = 'closed';
    this.#corked = false;
    this.#held = undefined;
    this.#queued = undefined;
    if (this.#grace) this.#grace.timers.clearTimeout(this.#grace.handle);
    this.#grace = undefined;
    this.#owner.subscriberClosed(this, wasOpen);
  }

  // Position

  /** Sets the position system frames carry (the opening and the handover use it). */
  moveTo(id: string | null): void {
    this.#lastId = id;
  }

  /** The handover is over: from now on the hub writes live events straight to this stream. */
  goLive(): void {
    if (this.#state === 'handover') this.#state = 'live';
  }

  // Writing

  /**
   * Writes a frame. False when it would take the unwritten bytes past the limit: the frame is
   * then not written and the stream should be closed as a slow consumer.
   */
  write(frame: Buffer, now: number): boolean {
    let buffered = this.#sink.bufferedBytes;
    if (this.#corked && buffered + frame.length > this.corkFlushBytes) {
      // Hand the corked writes so far to the network and stay corked: a replay of hundreds of frames
      // leaves in writes of up to `corkFlushBytes`, not one write per frame after the first.
      this.flush(now);
      this.cork();
      buffered = this.#sink.bufferedBytes;
    }
    if (buffered + frame.length > this.limitBytes) return false;
    const flowing = this.#sink.write(frame);
    this.#bytesSent += frame.length;
    if (!flowing && !this.#corked && this.#congestedSince === null) this.#congestedSince = now;
    return true;
  }

  /** Writes a Home Assistant event and advances the stream's position; false like {@link write}. */
  writeEvent(stamped: StampedEvent, frame: Buffer, now: number): boolean {
    if (!this.write(frame, now)) return false;
    this.#advance(stamped.id, 1, now);
    return true;
  }

  /** The stream has been written `count` events up to `id`. */
  #advance(id: string, count: number, now: number): void {
    this.#lastId = id;
    this.#eventsSent += count;
    this.#lastEventAt = now;
  }

  /** Holds a live event during the handover; false (and not held) when the held bytes would pass the limit. */
  hold(stamped: StampedEvent, frame: Buffer): boolean {
    if (this.#heldBytes + frame.length > this.limitBytes) return false;
    (this.#held ??= []).push({ stamped, frame });
    this.#heldBytes += frame.length;
    return true;
  }

  /** The events held during the handover, in order; the subscriber holds none afterwards. */
  takeHeld(): HeldEvent[] {
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#heldBytes = 0;
    return held;
  }

  /** True while live events wait for this stream's next `batch` frame. */
  get hasQueued(): boolean {
    return this.#queued !== undefined;
  }

  /**
   * Queues a live event for the next `batch` frame; false (and not queued) when the unwritten and
   * queued bytes would pass the limit.
   */
  queue(stamped: StampedEvent, frame: Buffer): boolean {
    if (this.backlogBytes + this.#queuedBytes + frame.length > this.limitBytes) return false;
    (this.#queued ??= []).push({ stamped, frame });
    this.#queuedBytes += frame.length;
    return true;
  }

  /** Bytes of the queued events' own frames (the batch frame is about as long). */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** The queued events, in order; the subscriber holds none afterwards. */
  takeQueued(): HeldEvent[] | undefined {
    const queued = this.#queued;
    this.#queued = undefined;
    this.#queuedBytes = 0;
    return queued;
  }

  /** Writes a `batch` frame holding `events` and advances the position to the last; false like {@link write}. */
  writeBatch(frame: Buffer, events: readonly HeldEvent[], now: number): boolean {
    const last = events.at(-1);
    if (!last || !this.write(frame, now)) return false;
    this.#advance(last.stamped.id, events.length, now);
    return true;
  }

  /** Corks: frames stay in the sink until {@link flush}. */
  cork(): void {
    if (this.#corked || !this.open || this.#sink.closed) return;
    this.#corked = true;
    this.#sink.cork();
  }

  /** Uncorks: sends what was held. */
  flush(now: number): void {
    if (!this.#corked) return;
    this.#corked = false;
    if (this.#sink.closed) return;
    this.#sink.uncork();
    // Congested only if the sink owes a drain (which will clear the mark) and holds bytes.
    if (this.#sink.needsDrain && this.#sink.bufferedBytes > 0 && this.#congestedSince === null) {
      this.#congestedSince = now;
    }
  }

  // Ending

  /**
   * Writes `last` (if any, whatever the limit) and ends the stream. When `grace` is given the
   * sink is destroyed if it has not closed within `grace.ms`; without it, at once.
   */
  close(last: Buffer | undefined, now: number, grace?: { timers: Timers; ms: number }): void {
    if (!this.open) return;
    this.#state = 'closing';
    this.#held = undefined;
    this.#queued = undefined;
    this.flush(now); // what the cork held goes before the last frame
    if (this.#sink.closed) return;
    if (!grace) {
      this.#sink.destroy();
      return;
    }
    if (last) {
      this.#sink.write(last);
      this.#bytesSent += last.length;
    }
    this.#sink.end();
    const sink = this.#sink;
    this.#grace = { timers: grace.timers, handle: grace.timers.setTimeout(() => sink.destroy(), grace.ms) };
  }

  /** Closes the sink at once, dropping what it buffered. */
  destroy(): void {
    this.#sink.destroy();
  }

  snapshot(): ConnectionSnapshot {
    const types = this.filter.types === ALL_TYPES ? [ALL_TYPES] : [...this.filter.types];
    const subscriptions: ConnectionSnapshot['subscriptions'] = [];
    for (const eventType of types) {
      const selection = this.filter.selection;
      if (!selection.restricted) {
        subscriptions.push({ eventType, entityId: null });
        continue;
      }
      for (const entityId of selection.entityIds) subscriptions.push({ eventType, entityId });
      // A domain subscription reads as every entity of the domain; a glob as itself.
      for (const domain of selection.domains) subscriptions.push({ eventType, entityId: `${domain}.*` });
      for (const glob of selection.globs) subscriptions.push({ eventType, entityId: glob.pattern });
      // Registry selectors read as the entities they select now.
      for (const entityId of selection.resolved) if (!selection.entityIds.has(entityId)) subscriptions.push({ eventType, entityId });
    }
    return {
      id: this.id,
      clientId: this.meta.clientId,
      userId: this.user.id,
      userName: this.user.name,
      connectedAt: this.connectedAt,
      lastEventAt: this.#lastEventAt,
      eventsSent: this.#eventsSent,
      bytesSent: this.#bytesSent,
      subscriptions,
      state: this.open ? 'active' : 'closing',
      ipAddress: this.meta.ipAddress,
      userAgent: this.meta.userAgent,
      httpVersion: this.meta.httpVersion,
      listener: this.meta.listener,
      clientName: this.meta.clientName ?? null,
      backlogBytes: this.backlogBytes,
    };
  }
}
