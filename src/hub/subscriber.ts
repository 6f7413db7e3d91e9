/**
 * One SSE stream: its filter, its socket, its position in the event sequence and its counters.
 *
 * Backpressure (docs/ARCHITECTURE.md §5.5, docs/decisions.md §3): frames go straight into the socket's own write buffer, which
 * holds references to the shared frame Buffers (no copies). When `write()` returns false the
 * subscriber is congested until the socket emits `drain`; while congested it may still buffer up
 * to `limitBytes` of unwritten data, and the write that passes the limit reports an overflow so
 * the hub can close it as a slow consumer. Nothing ever waits for a socket.
 *
 * Batching: when the hub corks a subscriber (several events in one tick, or a replay), frames
 * collect in the socket and leave in one `writev` at {@link Subscriber.flush}. Bytes held back on
 * purpose are not the client's fault, so the limit is checked after the flush; a batch that grows
 * past `batchBytes` is flushed early so the check stays meaningful.
 */
import { randomUUID } from 'node:crypto';
import type { ConnectionSnapshot, StampedEvent, User } from '../types.ts';
import { CHUNKED_END, type WireFrame } from './frame.ts';
import { ALL_TYPES, type EventFilter } from './filter.ts';
import type { Routable } from './routing.ts';

/** The part of `net.Socket` the hub uses; the HTTP layer hands in the response's socket. */
export interface StreamSocket {
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  destroy(): unknown;
  cork(): void;
  uncork(): void;
  readonly writableLength: number;
  /** True when a write returned false and `drain` has not been emitted yet. */
  readonly writableNeedDrain: boolean;
  readonly destroyed: boolean;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** Who is on the other end and how they came in, for snapshots and limits. */
export interface SubscriberMeta {
  /** Per-client key (user id, or `ingress:<id>`). */
  clientId: string;
  ipAddress: string;
  userAgent: string;
  httpVersion: string;
  listener: 'lan' | 'ingress';
}

export type SubscriberState = 'handover' | 'live' | 'closing' | 'closed';

export interface SubscriberInit {
  socket: StreamSocket;
  /** True when the response uses chunked transfer coding (HTTP/1.1); frames are then written as chunks. */
  chunked: boolean;
  user: User;
  filter: EventFilter;
  meta: SubscriberMeta;
  connectedAt: number;
  /** Unwritten bytes allowed before the subscriber counts as a slow consumer. */
  limitBytes: number;
  /** A corked batch larger than this is flushed at once. Default: half the limit, at most 64 KiB. */
  batchBytes?: number;
  /** When the stream must be asked to reconnect (max connection age), or null. */
  expiresAt: number | null;
}

export class Subscriber implements Routable {
  readonly id = randomUUID();
  readonly socket: StreamSocket;
  readonly chunked: boolean;
  readonly user: User;
  readonly filter: EventFilter;
  readonly meta: SubscriberMeta;
  readonly connectedAt: number;
  readonly limitBytes: number;
  readonly batchBytes: number;
  readonly expiresAt: number | null;

  routeMark = 0;
  /** True while the hub holds this subscriber's frames for one batched write. */
  corked = false;
  state: SubscriberState = 'handover';
  /** The SSE id of the last event written, or the position the stream started from; system frames carry it. */
  lastId: string | null = null;
  eventsSent = 0;
  bytesSent = 0;
  lastEventAt: number | null = null;
  /** Since when `write()` has returned false without a `drain`; null when the socket keeps up. */
  congestedSince: number | null = null;
  /** Live events that arrived during the replay handover (docs/ARCHITECTURE.md §5.6), in order. */
  queue: { stamped: StampedEvent; frame: WireFrame }[] = [];
  queuedBytes = 0;

  constructor(init: SubscriberInit) {
    this.socket = init.socket;
    this.chunked = init.chunked;
    this.user = init.user;
    this.filter = init.filter;
    this.meta = init.meta;
    this.connectedAt = init.connectedAt;
    this.limitBytes = init.limitBytes;
    this.batchBytes = init.batchBytes ?? Math.min(64 * 1024, Math.floor(init.limitBytes / 2));
    this.expiresAt = init.expiresAt;
  }

  /** The socket emitted `drain`: it keeps up again. (The hub listens, once for every stream.) */
  drained(): void {
    this.congestedSince = null;
  }

  get open(): boolean {
    return this.state === 'handover' || this.state === 'live';
  }

  /**
   * Writes one frame. Returns false when the socket's unwritten bytes now exceed the limit (the
   * caller closes the subscriber as a slow consumer); the frame is written either way.
   */
  write(frame: WireFrame, now: number): boolean {
    const bytes = this.chunked ? frame.chunked : frame.raw;
    const flowing = this.socket.write(bytes);
    this.bytesSent += bytes.length;
    if (this.corked) return this.socket.writableLength < this.batchBytes || this.flush(now);
    if (flowing) return true;
    if (this.congestedSince === null) this.congestedSince = now;
    return this.socket.writableLength <= this.limitBytes;
  }

  /** Starts a batch: frames stay in the socket until {@link flush}. */
  cork(): void {
    if (this.corked || this.socket.destroyed) return;
    this.corked = true;
    this.socket.cork();
  }

  /** Sends the batch in one write; false when the unwritten bytes then exceed the limit. */
  flush(now: number): boolean {
    if (!this.corked) return true;
    this.corked = false;
    if (this.socket.destroyed) return true;
    this.socket.uncork();
    // Congested only if the socket owes a 'drain' (which will clear the mark) and holds bytes.
    if (this.socket.writableNeedDrain && this.socket.writableLength > 0 && this.congestedSince === null) {
      this.congestedSince = now;
    }
    return this.socket.writableLength <= this.limitBytes;
  }

  /** Writes a Home Assistant event and advances the stream's position. */
  writeEvent(stamped: StampedEvent, frame: WireFrame, now: number): boolean {
    this.lastId = stamped.id;
    this.eventsSent++;
    this.lastEventAt = now;
    return this.write(frame, now);
  }

  /** Holds a live event during the handover; false when the held bytes pass the limit. */
  hold(stamped: StampedEvent, frame: WireFrame): boolean {
    this.queue.push({ stamped, frame });
    this.queuedBytes += frame.raw.length;
    return this.queuedBytes <= this.limitBytes;
  }

  /** Writes `last` (if any), ends the response properly and half-closes the socket. */
  end(last: WireFrame | undefined, now: number): void {
    if (this.state === 'closed') return;
    this.state = 'closing';
    this.corked = false; // end() flushes whatever a batch held
    this.queue = [];
    if (this.socket.destroyed) return;
    if (last) this.write(last, now);
    if (this.chunked) this.socket.write(CHUNKED_END);
    this.socket.end();
  }

  /** Unwritten bytes in the socket's buffer. */
  get backlogBytes(): number {
    return this.socket.destroyed ? 0 : this.socket.writableLength;
  }

  snapshot(): ConnectionSnapshot {
    const types = this.filter.types === ALL_TYPES ? [ALL_TYPES] : [...this.filter.types];
    const subscriptions: ConnectionSnapshot['subscriptions'] = [];
    for (const eventType of types) {
      if (this.filter.entityIds.size === 0 && this.filter.domains.size === 0) {
        subscriptions.push({ eventType, entityId: null });
        continue;
      }
      for (const entityId of this.filter.entityIds) subscriptions.push({ eventType, entityId });
      // A domain subscription reads as every entity of the domain.
      for (const domain of this.filter.domains) subscriptions.push({ eventType, entityId: `${domain}.*` });
    }
    return {
      id: this.id,
      clientId: this.meta.clientId,
      userId: this.user.id,
      userName: this.user.name,
      connectedAt: this.connectedAt,
      lastEventAt: this.lastEventAt,
      eventsSent: this.eventsSent,
      bytesSent: this.bytesSent,
      subscriptions,
      state: this.open ? 'active' : 'closing',
      ipAddress: this.meta.ipAddress,
      userAgent: this.meta.userAgent,
      httpVersion: this.meta.httpVersion,
      listener: this.meta.listener,
      backlogBytes: this.backlogBytes,
    };
  }
}
