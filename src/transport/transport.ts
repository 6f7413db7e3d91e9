/**
 * The seam between the producer of events (ha/bridge) and the hub that fans them out (docs/decisions.md §4,
 * docs/ARCHITECTURE.md §5.4). A transport stamps each event with its SSE id, delivers it to this instance's
 * listeners in id order, and keeps a bounded history for `Last-Event-ID` replay.
 *
 * Implementations: `memory.ts` (one process, a ring buffer) and `redis.ts` (a Redis Stream shared
 * by every instance, whose entry ids are the SSE ids). Both must pass `test/transport/suite.ts`.
 */
import type { HubEvent, StampedEvent } from '../base/types.ts';

/** Receives every stamped event, in id order, synchronously from the transport's delivery path. */
export type TransportListener = (event: StampedEvent) => void;

/** What {@link Transport.replay} found after a given id. */
export type ReplayResult =
  /** The events after the id, oldest first (possibly none when the id is the head). */
  | { readonly kind: 'events'; readonly events: readonly StampedEvent[] }
  /**
   * The id is older than the history kept (or unknown to this transport, e.g. from another
   * process's lifetime or malformed): the events after it cannot be produced.
   */
  | { readonly kind: 'gap' };

export interface Transport {
  /** Connects or prepares the transport. The constructor does no work. */
  start(): Promise<void>;
  /** Stops delivering and releases resources; listeners receive nothing afterwards. */
  stop(): Promise<void>;
  /**
   * Stamps `event` with the next id (ids increase monotonically), appends it to the history and
   * delivers it to every listener. Rejects with {@link TransportStoppedError} when not started.
   */
  publish(event: HubEvent): Promise<StampedEvent>;
  /** Adds a listener for events published from now on; returns the function that removes it. */
  subscribe(listener: TransportListener): () => void;
  /** The events after `sinceId`, in order, bounded by the history kept; or a gap. */
  replay(sinceId: string): Promise<ReplayResult>;
  /**
   * The id of the last event delivered to this instance's listeners (before any event: an id
   * that `replay` accepts and that is older than every future id). Synchronous so the hub can
   * register a subscriber and note its position in one step.
   */
  head(): string;
}

/** Thrown by {@link Transport.publish} outside `start()`..`stop()`. */
export class TransportStoppedError extends Error {
  constructor() {
    super('The transport is not running');
    this.name = 'TransportStoppedError';
  }
}
