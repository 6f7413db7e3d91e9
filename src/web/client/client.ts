/**
 * The client: one logical subscription kept alive across drops. Each attempt opens a stream
 * (fetch, or EventSource as the fallback) from the last id received; between attempts it waits
 * `max(server hint, full-jitter backoff)`; it stops for good only on 401/403 or `close()`.
 *
 * State snapshots: the hub gives only the last frame of a snapshot an id (DOCS.md, "Resuming"),
 * so after `connection` (fresh start with `initial_state`) or `replay_gap` (with states asked
 * for), frames without an id belong to the snapshot and the first frame with an id ends it; the
 * cache is then replaced by the snapshot (`states` event). A drop inside a snapshot resumes from
 * before it, so the hub sends it again.
 *
 * `format=entities` (DOCS.md "Shaping"): messages are `a`/`c`/`r` (no `type`) and keep the states
 * (`compressed-states.ts`). The stream's snapshot is the first of them after `connection` when
 * it is an `a` and the stream started afresh, or resumed and the `a` carries another id than the
 * resume point (the hub sends a fresh snapshot instead of a gap): it replaces the states. Any
 * other `a` (entities that entered the selection) adds to them.
 */
import { reconnectDelay } from './backoff.ts';
import { type ClientEvents, SseClientError } from './client-events.ts';
import { type EntitiesMessage, applyEntitiesMessage, isEntitiesMessage } from './compressed-states.ts';
import { Emitter } from './emitter.ts';
import { HeldStates } from './held-states.ts';
import { MessageQueue } from './message-queue.ts';
import { MetricsRecorder } from './metrics.ts';
import { type ConnectOptions, cacheKey, subscribeUrl } from './options.ts';
import type { SseFrame } from './sse-parser.ts';
import { StateCache } from './state-cache.ts';
import { type EventSourceConstructor, type FetchLike, type StreamOutcome, eventSourceStream, fetchStream } from './stream.ts';
import type {
  ClientMetrics,
  ConnectionStatus,
  EntityState,
  ErrorMessage,
  ReconnectInfo,
  ServerMessage,
  StateChangedMessage,
  StatesReason,
  StatesSnapshot,
  Timers,
} from './types.ts';

export { type ClientEvents, SseClientError };

/** Milliseconds without a byte before a stream counts as dead: 2.5 × the hub's default 30 s ping. */
const DEFAULT_IDLE_TIMEOUT_MS = 75_000;

const realTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

type AnyEvents = ClientEvents & Record<string, unknown>;

/** Names an error code is never emitted under (they mean something else here). */
const CLIENT_EVENTS = new Set(['message', 'error', 'connection', 'ping', 'states', 'status', 'reconnecting', 'closed']);

export class SseClient implements AsyncIterable<ServerMessage> {
  readonly #options: ConnectOptions;
  readonly #emitter: Emitter<AnyEvents>;
  readonly #timers: Timers;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #metrics: MetricsRecorder;
  readonly #cache: StateCache | undefined;
  /** The states kept from the stream, in the cache or in memory. */
  readonly #held: HeldStates;
  #status: ConnectionStatus = 'connecting';
  #started = false;
  #closed = false;
  #abort: AbortController | undefined;
  #sleep: { timer: unknown; resolve: () => void } | undefined;
  /** The stall watchdog of the current attempt. */
  #watchdog: unknown;
  #lastEventId: string | undefined;
  #retryHintMs = 0;
  #attempt = 0;
  #askedStates = false;
  #resumed = false;
  #snapshot: { reason: StatesReason; states: EntityState[] } | undefined;
  #error: SseClientError | undefined;
  /** A completed snapshot, emitted after the events of the frame that completed it. */
  #pendingStates: StatesSnapshot | undefined;
  /** `format=entities`: no entities message yet since `connection` (the next `a` may be the snapshot). */
  #awaitingEntities = false;
  /** The id this attempt resumed from, if it did. */
  #resumedFrom: string | undefined;

  constructor(options: ConnectOptions) {
    this.#options = options;
    this.#timers = options.timers ?? realTimers;
    this.#now = options.now ?? (() => Date.now());
    this.#random = options.random ?? Math.random;
    this.#emitter = new Emitter<AnyEvents>(
      options.onListenerError ??
        ((err) =>
          queueMicrotask(() => {
            throw err;
          })),
    );
    this.#metrics = new MetricsRecorder(this.#now);
    this.#cache = options.cache === false ? undefined : new StateCache({ key: cacheKey(options), ...options.cache }, this.#timers, this.#now);
    this.#held = new HeldStates(this.#cache);
  }

  /** Restores the cache (so {@link states} paints at once) and starts the first attempt. */
  start(): this {
    if (this.#started) return this;
    this.#started = true;
    if (this.#cache?.load()) {
      this.#lastEventId = this.#cache.lastEventId;
      queueMicrotask(() => this.#emitter.emit('states', { reason: 'cache', states: this.states }));
    }
    if (this.#options.last_event_id !== undefined) this.#lastEventId = this.#options.last_event_id;
    void this.#run();
    return this;
  }

  /** Stops for good: aborts the stream, cancels a pending retry, writes the cache. */
  close(): void {
    this.#finish(undefined);
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  /** The id the next attempt resumes from. */
  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  /** Every known entity state, by entity id (the cache: restored, then kept current by the stream). */
  get states(): Record<string, EntityState> {
    return this.#held.all();
  }

  get metrics(): ClientMetrics {
    return this.#metrics.snapshot();
  }

  /** The error that ended the client (401/403), if any. */
  get error(): SseClientError | undefined {
    return this.#error;
  }

  on<K extends keyof ClientEvents>(type: K, listener: (value: ClientEvents[K]) => void): () => void;
  on(type: string, listener: (value: ServerMessage) => void): () => void;
  on(type: string, listener: (value: never) => void): () => void {
    return this.#emitter.on(type, listener as (value: unknown) => void);
  }

  off(type: string, listener: (value: never) => void): void {
    this.#emitter.off(type, listener as (value: unknown) => void);
  }

  /** Every message from the moment the loop starts; ends on `close()`, throws the 401/403 error. */
  [Symbol.asyncIterator](): AsyncIterableIterator<ServerMessage> {
    let off = () => {};
    const queue = new MessageQueue<ServerMessage>(this.#options.iteratorBuffer ?? 10_000, () => off());
    if (this.#closed) queue.end(this.#error);
    else {
      const offMessage = this.#emitter.on('message', (message) => queue.push(message));
      const offClosed = this.#emitter.on('closed', ({ error }) => queue.end(error));
      off = () => {
        offMessage();
        offClosed();
      };
    }
    return queue;
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      const outcome = await this.#connectOnce();
      if (this.#closed) return;
      this.#metrics.dropped();
      if (outcome.kind === 'refused' && (outcome.status === 401 || outcome.status === 403)) {
        this.#metrics.error(outcome.code, outcome.message);
        this.#finish(new SseClientError(outcome.message, outcome.code, outcome.status));
        return;
      }
      const reason = outcome.kind === 'refused' ? outcome.code : outcome.kind === 'failed' ? (outcome.code ?? 'network_error') : 'stream_ended';
      if (outcome.kind === 'refused' || outcome.kind === 'failed') this.#metrics.error(reason, outcome.message);
      const hint = Math.max(this.#retryHintMs, outcome.kind === 'refused' ? (outcome.retryAfterMs ?? 0) : 0);
      const delayMs = reconnectDelay(this.#attempt, hint, this.#random, this.#options.backoff);
      const info: ReconnectInfo = { attempt: this.#attempt, delayMs, reason };
      this.#attempt++;
      this.#setStatus('reconnecting');
      this.#emitter.emit('reconnecting', info);
      await this.#wait(delayMs);
    }
  }

  async #connectOnce(): Promise<StreamOutcome> {
    const abort = new AbortController();
    this.#abort = abort;
    this.#snapshot = undefined;
    this.#resumed = this.#lastEventId !== undefined;
    this.#resumedFrom = this.#lastEventId;
    // On a resume the hub sends states only if the resume point is gone (replay_gap).
    this.#askedStates = this.#resumed ? this.#options.refetch_on_gap !== false : this.#options.initial_state === true;
    const url = subscribeUrl(this.#options, this.#askedStates);
    this.#metrics.attempt();
    let token: string | undefined;
    try {
      token = typeof this.#options.token === 'function' ? await this.#options.token() : this.#options.token;
    } catch (err) {
      return { kind: 'failed', message: `the token function failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (abort.signal.aborted) return { kind: 'aborted' };
    const request = { url, token, lastEventId: this.#lastEventId, signal: abort.signal, now: this.#now };
    // A silent stream (a half-open TCP connection after a network change) is given up on after
    // `idleTimeoutMs` without a byte: the hub pings every 30 s by default.
    const idleMs = this.#options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    let stalled = false;
    const rearm = () => {
      if (idleMs <= 0 || this.#closed) return;
      this.#disarm();
      this.#watchdog = this.#timers.setTimeout(() => {
        this.#watchdog = undefined;
        stalled = true;
        abort.abort();
      }, idleMs);
    };
    const handlers = {
      opened: rearm,
      frame: (frame: SseFrame) => {
        rearm();
        this.#onFrame(frame);
      },
      retry: (ms: number) => (this.#retryHintMs = ms),
    };
    rearm();
    const { fetchFn, EventSourceCtor } = this.#transport();
    let outcome: StreamOutcome;
    if (fetchFn) outcome = await fetchStream(fetchFn, request, handlers);
    else if (EventSourceCtor) outcome = await eventSourceStream(EventSourceCtor, request, handlers);
    else outcome = { kind: 'failed', message: 'neither a streaming fetch nor EventSource is available' };
    this.#disarm();
    return stalled && !this.#closed ? { kind: 'failed', code: 'stalled', message: `no data for ${idleMs} ms` } : outcome;
  }

  #transport(): { fetchFn?: FetchLike; EventSourceCtor?: EventSourceConstructor } {
    const mode = this.#options.transport ?? 'auto';
    const g = globalThis as { fetch?: FetchLike; EventSource?: EventSourceConstructor; ReadableStream?: unknown };
    const fetchFn = this.#options.fetch ?? (g.fetch ? g.fetch.bind(globalThis) : undefined);
    const EventSourceCtor = this.#options.EventSource ?? g.EventSource;
    if (mode === 'eventsource') return { EventSourceCtor };
    if (mode === 'fetch' || (fetchFn && (this.#options.fetch || g.ReadableStream))) return { fetchFn };
    return { EventSourceCtor };
  }

  #onFrame(frame: SseFrame): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(frame.data) as ServerMessage;
    } catch {
      this.#metrics.error('invalid_message', 'a frame was not JSON');
      return;
    }
    if (isEntitiesMessage(message)) {
      this.#onEntities(message, frame.id);
      return;
    }
    if (message === null || typeof message !== 'object' || typeof message.type !== 'string') return;
    const batch = (message as { messages?: unknown }).messages;
    if (message.type === 'batch' && Array.isArray(batch)) {
      // `batch=<ms>`: the messages are handled as if each had come alone; the last carries the frame's id.
      batch.forEach((inner: unknown, i) => {
        const id = i === batch.length - 1 ? frame.id : undefined;
        if (isEntitiesMessage(inner)) this.#onEntities(inner, id);
        else this.#onMessage(inner as ServerMessage, id);
      });
      return;
    }
    this.#onMessage(message, frame.id);
  }

  /** A `format=entities` message: the snapshot replaces the states, anything else is applied to them. */
  #onEntities(message: EntitiesMessage, id: string | undefined): void {
    this.#metrics.message();
    const snapshot = this.#awaitingEntities && message.a !== undefined && (!this.#resumed || (id !== undefined && id !== this.#resumedFrom));
    this.#awaitingEntities = false;
    const states = new Map(Object.entries(this.states));
    if (snapshot) states.clear();
    const changed = applyEntitiesMessage(states, message);
    if (snapshot) this.#held.replace(states.values());
    else for (const state of changed) this.#held.apply(state);
    if (id !== undefined) {
      this.#lastEventId = id;
      this.#held.resumePoint(id);
    }
    this.#emitter.emit('entities', { message, changed, eventId: id });
    if (snapshot) this.#emitter.emit('states', { reason: this.#resumed ? 'replay_gap' : 'initial', states: this.states });
  }

  #onMessage(message: ServerMessage, id: string | undefined): void {
    if (message === null || typeof message !== 'object' || typeof message.type !== 'string') return;
    if (id !== undefined) message.eventId = id;
    this.#metrics.message();
    if (message.type === 'connection') this.#onConnection();
    if (message.type === 'error' && (message as ErrorMessage).error === 'replay_gap' && this.#askedStates) {
      this.#snapshot = { reason: 'replay_gap', states: [] };
    }
    if (message.type === 'state_changed') this.#onState((message as StateChangedMessage).data);
    if (id !== undefined) {
      this.#lastEventId = id;
      this.#held.resumePoint(id);
      if (this.#snapshot) this.#completeSnapshot();
    }
    this.#emitter.emit('message', message);
    this.#emitter.emit(message.type, message as never);
    if (message.type === 'error') {
      const code = (message as ErrorMessage).error;
      if (typeof code === 'string' && !CLIENT_EVENTS.has(code)) this.#emitter.emit(code, message as never);
    }
    if (this.#pendingStates) {
      const snapshot = this.#pendingStates;
      this.#pendingStates = undefined;
      this.#emitter.emit('states', snapshot);
    }
  }

  #onConnection(): void {
    this.#attempt = 0;
    this.#awaitingEntities = this.#options.format === 'entities';
    this.#metrics.opened();
    this.#setStatus('open');
    // Fresh start with states asked for: they follow, unless this frame's id says there are none.
    if (!this.#resumed && this.#askedStates) this.#snapshot = { reason: 'initial', states: [] };
  }

  #onState(data: StateChangedMessage['data']): void {
    if (!data || typeof data.entity_id !== 'string') return;
    const state: EntityState = {
      entity_id: data.entity_id,
      state: data.state,
      attributes: data.attributes ?? {},
      last_changed: data.last_changed,
      last_updated: data.last_updated,
    };
    if (this.#snapshot) {
      this.#snapshot.states.push(state);
      return;
    }
    this.#held.apply(state);
  }

  /** Replaces the cache with the snapshot; `states` is emitted after the frame's own events. */
  #completeSnapshot(): void {
    const { reason, states } = this.#snapshot!;
    this.#snapshot = undefined;
    this.#held.replace(states);
    this.#pendingStates = { reason, states: this.states };
  }

  #disarm(): void {
    if (this.#watchdog !== undefined) this.#timers.clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
  }

  #setStatus(status: ConnectionStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.#emitter.emit('status', status);
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#timers.setTimeout(() => {
        this.#sleep = undefined;
        resolve();
      }, ms);
      this.#sleep = { timer, resolve };
    });
  }

  #finish(error: SseClientError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    this.#abort?.abort();
    this.#disarm();
    if (this.#sleep) {
      this.#timers.clearTimeout(this.#sleep.timer);
      this.#sleep.resolve();
      this.#sleep = undefined;
    }
    this.#metrics.dropped();
    this.#cache?.flush();
    this.#setStatus('closed');
    this.#emitter.emit('closed', error ? { error } : {});
  }
}

/** Creates a client and starts it: `const client = connect({ url, token, events: ['state_changed'] })`. */
export function connect(options: ConnectOptions): SseClient {
  return new SseClient(options).start();
}
