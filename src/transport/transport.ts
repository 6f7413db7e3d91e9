/**
 * The seam between the producer of events (ha/bridge) and the hub that fans them out (docs/decisions.md §4,
 * docs/ARCHITECTURE.md §5.4). A transport stamps each event with its SSE id, delivers it to this instance's
 * listeners in id order, and keeps a bounded history for `Last-Event-ID` replay.
 *
 * Implementations: `memory.ts` (one process, a ring of encoded events) and `redis.ts` (a Redis
 * Stream shared by every instance, whose entry ids are the SSE ids). Both keep history by the same
 * {@link ReplayPolicy} and must pass `test/transport/suite.ts`.
 */
import type { HubEvent, StampedEvent } from '../base/types.ts';

/**
 * How much history a transport keeps for replay (DOCS.md, "Reconnecting and replay"). An event is
 * kept while it is younger than `windowMs` or among the newest `minEvents`, and only while the
 * history fits in `maxBytes`: the byte budget wins over the other two. The oldest go first.
 */
export interface ReplayPolicy {
  /** Events younger than this are kept (`replay_window_minutes`). 0 keeps none by age. */
  readonly windowMs: number;
  /** The newest this many events are kept however old (`replay_buffer_size`). */
  readonly minEvents: number;
  /** The most the history may hold, counted as the events' encoded size (`replay_buffer_mb`); 0 keeps nothing. */
  readonly maxBytes: number;
}

/** Defaults of {@link ReplayPolicy}, as the options' defaults (src/config/config.ts). */
export const DEFAULT_REPLAY_POLICY: ReplayPolicy = Object.freeze({ windowMs: 10 * 60_000, minEvents: 1000, maxBytes: 16 * 1024 * 1024 });

/** What the history covers now (the statistics' `replay_*` fields, the panel, `sensor.sse_hub_replay_window`). */
export interface ReplayWindow {
  /**
   * Seconds a client may have been away and still resume exactly: since the newest event the
   * history dropped was published (while it dropped none: since the oldest it holds; 0 when empty).
   */
  readonly seconds: number;
  /** Events held. */
  readonly events: number;
  /** Their encoded size as the budget counts it. */
  readonly bytes: number;
}

/** The {@link ReplayWindow} seen from `now`, given when the coverage starts (epoch ms; undefined: nothing held or dropped). */
export function replayWindow(coverageStart: number | undefined, now: number, events: number, bytes: number): ReplayWindow {
  const seconds = coverageStart === undefined ? 0 : Math.max(0, Math.floor((now - coverageStart) / 1000));
  return { seconds, events, bytes };
}

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
  /** What the history covers now. Synchronous for the statistics; Redis answers what it last heard. */
  window(): ReplayWindow;
}

/** Thrown by {@link Transport.publish} outside `start()`..`stop()`. */
export class TransportStoppedError extends Error {
  constructor() {
    super('The transport is not running');
    this.name = 'TransportStoppedError';
  }
}
