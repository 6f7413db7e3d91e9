/**
 * The hub: receives stamped events from the transport, finds the matching subscribers through the
 * routing index, encodes each event once and writes the same bytes to every matching stream.
 * It knows nothing of HTTP: the HTTP layer writes the response headers and hands in a
 * {@link StreamSink} that takes SSE frames as bytes (`sink.ts`; docs/ARCHITECTURE.md §5.2).
 *
 * Stream order: `connection` (with `retry:`), then `upstream_unavailable` if core is down, then
 * either the replay of what the client missed (`Last-Event-ID`, as a handover: docs/ARCHITECTURE.md §5.6) or, on a
 * fresh connection or a `replay_gap`, the current states when `initial_state` was asked, then live.
 *
 * The parts: the per-event path is `fan-out.ts`, the open streams and how one ends `streams.ts`,
 * system frames (`ping`, `upstream_unavailable`, admin notices) `broadcast.ts`, shaped streams'
 * shapers and late frames `shaped-streams.ts`, a stream's first frames `opening.ts`. The hub wires
 * them and owns what spans them: start/stop, capacity, registering a stream, taking one out of
 * routing.
 */
import type {
  CloseReason,
  ConnectionRegistry,
  ConnectionSnapshot,
  EventInterest,
  HubObserver,
  StateSource,
  TargetSource,
  UpstreamState,
  UpstreamStatus,
  User,
} from '../base/types.ts';
import type { Transport } from '../transport/transport.ts';
import { isoTime } from '../base/iso-time.ts';
import { type Timers, systemTimers } from '../base/timers.ts';
import { BatchWindows } from './batch.ts';
import { broadcast } from './broadcast.ts';
import { FileLimitError, HubFullError, HubStoppedError } from './errors.ts';
import { FanOut } from './fan-out.ts';
import { type EventFilter, typesOf } from './filter.ts';
import { errorPayload, pingPayload, systemPayload } from './frame.ts';
import { InterestLedger } from './interest-ledger.ts';
import { DEFAULT_HUB_LIMITS, type HubLimits } from './limits.ts';
import { NoopHubObserver } from './observer.ts';
import { type OpeningContext, UPSTREAM_MESSAGE, openStream } from './opening.ts';
import { RoutingIndex } from './routing.ts';
import { NO_TARGETS, SelectionSync } from './selection-sync.ts';
import type { StreamSink } from './sink.ts';
import { ShapedStreams } from './shaped-streams.ts';
import { Streams } from './streams.ts';
import { Subscriber, type SubscriberMeta } from './subscriber.ts';
import type { StreamShape } from './shaped-encodings.ts';
import type { SelectionLike } from './stream-shaper.ts';

export interface HubOptions {
  /** Where events come from and where replay history lives. The hub subscribes in `start()`. */
  transport: Transport;
  /**
   * Told which event types subscribers need: one retain per type while any stream needs it (`*`
   * for all). Its `recordsEverything` spares resumes the per-type recording check.
   */
  interest: EventInterest;
  /** Current states for `initial_state=true`. */
  states: StateSource;
  /** Resolves registry selectors (`area_id`, `label_id`, …) and tells when the registries changed. Default: resolves nothing. */
  targets?: TargetSource;
  /** Core's link status; a drop sends `upstream_unavailable` to every stream once. */
  upstream: UpstreamStatus;
  /** Receives the hub's counters. Default: a no-op observer. */
  observer?: HubObserver;
  /** Limits and timings; missing keys take {@link DEFAULT_HUB_LIMITS}. */
  limits?: Partial<HubLimits>;
  /** The clock, in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Pings, sweeps and close deadlines. Default: Node's timers, unref'd. */
  timers?: Timers;
  /** Randomness for retry jitter, in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Where unexpected failures (a replay that throws) are reported. Default: ignored. */
  onError?: (err: unknown, context: string) => void;
  /** Streams the open-file limit leaves room for (src/hub/file-budget.ts). Default: no such limit. */
  fileBudget?: { streamsAllowed(): number };
}

/** What the HTTP layer asks for after it authenticated the user and wrote the response headers. */
export interface OpenRequest {
  /** The connection id, when the caller reserved a slot under it (Redis mode); default a random UUID. */
  id?: string;
  /** Where the stream's frames go (the HTTP layer adapts the response's socket). */
  sink: StreamSink;
  user: User;
  filter: EventFilter;
  meta: SubscriberMeta;
  /** The client's `Last-Event-ID`, if any: the hub replays what came after it. */
  lastEventId?: string;
  /** Send the current states of the matching entities (on a fresh start or after a gap). */
  initialState?: boolean;
  /** Coalesce live events into one `batch` frame per this many milliseconds (`batch=<ms>`); 0 or absent: one frame per event. */
  batchMs?: number;
  /** `fields`, `format` and `throttle` (DOCS.md "Shaping"); absent: events as they are. */
  shape?: StreamShape;
  /** Overrides the filter's own entity selection for the shaper (tests change one by hand); `format=entities` streams get `a` and `r` frames as it changes. */
  selection?: SelectionLike;
}

export interface OpenedStream {
  /** The connection id (the `connection` payload's `id`). */
  id: string;
  /** Settles when the stream is live (after the replay handover). Never rejects. */
  ready: Promise<void>;
}

export class Hub implements ConnectionRegistry {
  readonly limits: Readonly<HubLimits>;
  readonly #transport: Transport;
  readonly #states: StateSource;
  readonly #upstream: UpstreamStatus;
  readonly #observer: HubObserver;
  readonly #now: () => number;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #onError: (err: unknown, context: string) => void;
  readonly #fileBudget: { streamsAllowed(): number } | undefined;
  /** The open streams by id; told by every subscriber when its sink closed. */
  readonly #streams: Streams;
  /** Interest retained per event type for all streams together, lingering after the last. */
  readonly #interests: InterestLedger;
  readonly #routing = new RoutingIndex<Subscriber>();
  readonly #cleanups: (() => void)[] = [];
  readonly #batches: BatchWindows;
  /** The per-event path: transport → routing → sockets. */
  readonly #fanOut: FanOut;
  /** Shapers, throttled updates and `a`/`r` frames of shaped streams. */
  readonly #shaping: ShapedStreams;
  readonly #opening: OpeningContext;
  readonly #selections: SelectionSync;
  #running = false;
  #upstreamDown = false;

  constructor(options: HubOptions) {
    this.limits = Object.freeze({ ...DEFAULT_HUB_LIMITS, ...options.limits });
    this.#transport = options.transport;
    this.#states = options.states;
    this.#upstream = options.upstream;
    this.#observer = options.observer ?? new NoopHubObserver();
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? systemTimers();
    this.#random = options.random ?? Math.random;
    this.#onError = options.onError ?? (() => {});
    this.#fileBudget = options.fileBudget;
    this.#interests = new InterestLedger({
      interest: options.interest,
      head: () => this.#transport.head(),
      timers: this.#timers,
      lingerMs: this.limits.interestLingerMs,
    });
    this.#batches = new BatchWindows(this.#timers, this.#now, {
      delivered: (event, count, bytes, now) => this.#observer.delivered(event, count, bytes, now),
      overflowed: (subs) => {
        for (const sub of subs) this.#streams.close(sub, 'slow_consumer');
      },
    });
    this.#streams = new Streams({
      limits: this.limits,
      observer: this.#observer,
      batches: this.#batches,
      now: this.#now,
      timers: this.#timers,
      random: this.#random,
      unroute: (sub) => this.#unroute(sub),
    });
    const overflowed = (sub: Subscriber): void => this.#streams.close(sub, 'slow_consumer');
    this.#fanOut = new FanOut({ routing: this.#routing, batches: this.#batches, observer: this.#observer, now: this.#now, overflowed });
    this.#shaping = new ShapedStreams({
      fanOut: this.#fanOut,
      batches: this.#batches,
      states: this.#states,
      timers: this.#timers,
      now: this.#now,
      overflowed,
    });
    this.#selections = new SelectionSync({
      targets: options.targets ?? NO_TARGETS,
      states: this.#states,
      routing: this.#routing,
      now: this.#now,
      flushQueued: (sub, now) => this.#batches.flush(sub, now),
      overflowed,
    });
    this.#opening = {
      transport: this.#transport,
      states: this.#states,
      retryMs: this.limits.retryMs,
      upstreamDown: () => this.#upstreamDown,
      now: this.#now,
      frameOf: (stamped) => this.#fanOut.frameOf(stamped),
      recordingStarts: (sub) => this.#interests.recordingStarts(typesOf(sub.filter)),
      shaped: (sub, held) => this.#shaping.frames(sub, held),
      delivered: (event, bytes, now) => this.#observer.delivered(event, 1, bytes, now),
      onError: this.#onError,
    };
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#upstreamDown = this.#upstream.state === 'disconnected';
    this.#cleanups.push(this.#transport.subscribe((stamped) => this.#fanOut.deliver(stamped)));
    this.#cleanups.push(this.#upstream.onChange((state) => this.#onUpstream(state)));
    this.#selections.start();
    this.#cleanups.push(() => this.#selections.stop());
    const timers = this.#timers;
    const ping = timers.setInterval(() => this.#ping(), this.limits.pingIntervalMs);
    const sweep = timers.setInterval(() => this.#streams.sweep(), this.limits.sweepIntervalMs);
    this.#cleanups.push(
      () => timers.clearInterval(ping),
      () => timers.clearInterval(sweep),
    );
  }

  /**
   * Sends `server_shutdown` (with a jittered retry hint) to every stream, ends them, and resolves
   * once their sinks closed; sinks that have not flushed within `graceMs` (default 1000) are
   * destroyed. Stop the hub before the listeners so streams hear why they end.
   */
  async stop(graceMs = 1000): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    for (const sub of this.#streams.values()) this.#streams.close(sub, 'server_shutdown');
    this.#batches.stop();
    this.#interests.stop();
    await this.#streams.drained(graceMs);
  }

  get running(): boolean {
    return this.#running;
  }

  /** Throws {@link HubStoppedError}, {@link HubFullError} or {@link FileLimitError} when a new stream cannot be opened now. */
  assertCapacity(): void {
    if (!this.#running) throw new HubStoppedError();
    const streams = this.#streams.size;
    if (streams >= this.limits.maxClients) throw new HubFullError(this.limits.maxClients);
    const byFiles = this.#fileBudget?.streamsAllowed() ?? Infinity;
    if (streams >= byFiles) throw new FileLimitError(byFiles);
  }

  /**
   * Registers a stream and writes its first frames. Registration is synchronous, so a capacity
   * check followed by `open` in the same tick cannot race. Throws like {@link assertCapacity}.
   */
  open(request: OpenRequest): OpenedStream {
    this.assertCapacity();
    const now = this.#now();
    const age = this.limits.maxConnectionAgeMs;
    const shape = request.shape;
    const shaping = this.#shaping.create(shape);
    const sub = new Subscriber({
      id: request.id,
      sink: request.sink,
      owner: this.#streams,
      user: request.user,
      filter: request.filter,
      meta: request.meta,
      connectedAt: now,
      limitBytes: this.limits.slowConsumerLimitBytes,
      // Spread the deadlines of streams opened together (after a restart) over 10 % of the age.
      expiresAt: age > 0 ? now + age - Math.floor(this.#random() * age * 0.1) : null,
      batchMs: request.batchMs ?? 0,
      shaper: shaping?.shaper,
    });
    // The filter's selection follows the registries (area, label, … selectors): `a`/`r` frames.
    shaping?.bind(sub, request.selection ?? sub.filter.selection);
    this.#streams.add(sub);
    // A `format=entities` stream learns of entities that enter its selection as `a` frames (above),
    // not as initial `state_changed` events.
    this.#selections.attach(sub, request.initialState === true && shape?.format !== 'entities');
    this.#routing.add(sub);
    for (const type of typesOf(sub.filter)) this.#interests.retain(type);
    this.#observer.connectionOpened(sub.snapshot());
    if (!sub.attach()) {
      // The client left before we registered; its sink may already have said so.
      sub.sinkClosed();
      return { id: sub.id, ready: Promise.resolve() };
    }

    const { ok, ready } = openStream(this.#opening, sub, request.lastEventId, request.initialState === true);
    if (!ok) this.#streams.close(sub, 'slow_consumer');
    const live = ready?.then((held) => {
      if (!held) this.#streams.close(sub, 'slow_consumer');
    });
    return { id: sub.id, ready: live ?? Promise.resolve() };
  }

  #onUpstream(state: UpstreamState): void {
    const down = state === 'disconnected';
    if (down === this.#upstreamDown) return;
    this.#upstreamDown = down;
    // Back up: the bridge's resync events flow as ordinary events; nothing to announce.
    if (down) this.#broadcast(() => true, errorPayload('upstream_unavailable', UPSTREAM_MESSAGE, isoTime(this.#now())));
  }

  #ping(): void {
    this.#broadcast((sub) => sub.state === 'live', pingPayload(isoTime(this.#now())));
  }

  /** Writes one system payload to every open stream `pick` selects (`broadcast.ts`). */
  #broadcast(pick: (sub: Subscriber) => boolean, payload: string): void {
    const overflowed = broadcast(this.#streams.values(), pick, payload, this.#now(), this.#batches);
    for (const sub of overflowed) this.#streams.close(sub, 'slow_consumer');
  }

  #unroute(sub: Subscriber): void {
    this.#selections.detach(sub);
    sub.shaper?.stop();
    this.#routing.remove(sub);
    for (const type of typesOf(sub.filter)) this.#interests.release(type);
  }

  // ConnectionRegistry

  list(): ConnectionSnapshot[] {
    return this.#streams.snapshots();
  }

  get(id: string): ConnectionSnapshot | undefined {
    return this.#streams.get(id)?.snapshot();
  }

  close(id: string, reason: CloseReason): boolean {
    const sub = this.#streams.get(id);
    if (!sub?.open) return false;
    this.#streams.close(sub, reason);
    return true;
  }

  backlogBytes(): number {
    return this.#streams.backlogBytes();
  }

  notifyAdmins(type: string, data: unknown): void {
    this.#broadcast((sub) => sub.user.isAdmin, systemPayload(type, data, isoTime(this.#now())));
  }
}

