/**
 * The multi-instance transport (docs/redis.md): events live in one Redis Stream and the entry ids
 * are the SSE ids, so `Last-Event-ID` replays on whichever instance a client reconnects to.
 *
 * - `publish` appends with a Lua script that first checks the leader lock holds this instance's
 *   fencing token (when a fence is configured): a paused ex-leader cannot append after losing the
 *   lock. The same script trims the stream by the {@link ReplayPolicy}, as the memory transport
 *   does (`replay-trim.ts`: by age on Redis's clock, a minimum count, a byte budget).
 * - Every instance reads the stream on its own connection (`XREAD BLOCK`) and delivers to its
 *   listeners in id order; delivery is asynchronous, after the append.
 * - `replay(since)` trims and reads in one transaction: an id older than what the trim dropped,
 *   a future or a malformed id is a gap.
 * - Besides events the stream carries upstream status entries (field `s`), written by the leader,
 *   so every instance announces `upstream_unavailable` in order with the events around it.
 */
import type { Redis, RedisOptions } from 'ioredis';
import type { HubEvent, StampedEvent, UpstreamState } from '../base/types.ts';
import { type Timers, systemTimers } from '../base/timers.ts';
import { redisClient } from './redis-client.ts';
import { type Entry, decode, fieldOf, infoFields } from './redis-entry.ts';
import { ZERO_ID, compareStreamIds, isStreamId } from './redis-stream-id.ts';
import { APPEND_SCRIPT, TRIM_SCRIPT, type TrimReply, trimArgs, windowOf } from './replay-trim.ts';
import {
  DEFAULT_REPLAY_POLICY,
  type ReplayPolicy,
  type ReplayResult,
  type ReplayWindow,
  type Transport,
  type TransportListener,
  TransportStoppedError,
} from './transport.ts';

/** The leader lock a fenced transport checks before every append. */
export interface Fence {
  lockKey: string;
  /** The token this instance holds the lock with, or undefined when it is not the leader. */
  token(): string | undefined;
}

export interface RedisTransportOptions {
  url: string;
  /** The stream's key. Default `sse-hub:events`. */
  key?: string;
  /** What the history keeps. Default {@link DEFAULT_REPLAY_POLICY}. */
  history?: ReplayPolicy;
  /** The local clock, to age the last known window between reads. Default `Date.now`. */
  now?: () => number;
  /**
   * Milliseconds an entry stays however small the budget, so every instance reads it before it
   * is trimmed (`replay-trim.ts`). Default 30000.
   */
  deliveryGraceMs?: number;
  /** Appends only while holding the leader lock. Default: unfenced (tests, a single writer). */
  fence?: Fence;
  /** Milliseconds one `XREAD BLOCK` waits. Default 1000. */
  blockMs?: number;
  /** Milliseconds between read attempts while Redis is unreachable. Default 250. */
  retryMs?: number;
  /** Receives errors thrown by listeners. Default: ignore. */
  onListenerError?: (err: unknown) => void;
  /** Told when reading succeeds again after failing, and when it starts failing (once per change). */
  onReadable?: (readable: boolean, err?: unknown) => void;
  /** Extra ioredis options (tests). */
  redis?: RedisOptions;
  /** The retry delay while Redis is unreachable. Default: Node's timers, unref'd. */
  timers?: Timers;
}

/** Thrown by a fenced publish when this instance does not hold the leader lock. */
export class FencedError extends Error {
  constructor() {
    super('This instance does not hold the leader lock');
    this.name = 'FencedError';
  }
}

/** See {@link RedisTransportOptions.deliveryGraceMs}. */
const DELIVERY_GRACE_MS = 30_000;

type Append = (
  stream: string,
  meta: string,
  lock: string,
  states: string,
  token: string,
  field: string,
  value: string,
  entityId: string,
  state: string,
  ...policy: number[]
) => Promise<[string, ...TrimReply]>;
type Trim = (stream: string, meta: string, ...policy: number[]) => Promise<TrimReply>;

export class RedisTransport implements Transport {
  readonly key: string;
  readonly #url: string;
  readonly #redisOptions: RedisOptions | undefined;
  readonly #fence: Fence | undefined;
  readonly #blockMs: number;
  readonly #retryMs: number;
  readonly #timers: Timers;
  readonly #onListenerError: (err: unknown) => void;
  readonly #onReadable: (readable: boolean, err?: unknown) => void;
  /** The hash beside the stream that holds the history's byte count and the newest id it dropped. */
  readonly #meta: string;
  /** The policy and the delivery grace as the Lua scripts take them. */
  readonly #trimArgs: readonly number[];
  readonly #now: () => number;
  /** The last window Redis reported, and the local time it was read at. */
  #window: { reply: TrimReply; at: number } | undefined;
  #windowRead: Promise<void> | undefined;
  readonly #listeners = new Set<TransportListener>();
  readonly #statusListeners = new Set<(state: UpstreamState) => void>();
  #client: Redis | undefined;
  #reader: Redis | undefined;
  #append: Append | undefined;
  #last = ZERO_ID;
  #running = false;
  #readable = true;
  #loop: Promise<void> | undefined;
  /** {@link caughtUp} callers waiting for the reader to deliver up to an id. */
  readonly #catchUps = new Set<{ id: string; resolve: () => void }>();

  constructor(options: RedisTransportOptions) {
    this.key = options.key ?? 'sse-hub:events';
    this.#meta = `${this.key}:replay`;
    this.#trimArgs = trimArgs(options.history ?? DEFAULT_REPLAY_POLICY, options.deliveryGraceMs ?? DELIVERY_GRACE_MS);
    this.#now = options.now ?? Date.now;
    this.#url = options.url;
    this.#redisOptions = options.redis;
    this.#fence = options.fence;
    this.#blockMs = options.blockMs ?? 1000;
    this.#retryMs = options.retryMs ?? 250;
    this.#timers = options.timers ?? systemTimers();
    this.#onListenerError = options.onListenerError ?? (() => {});
    this.#onReadable = options.onReadable ?? (() => {});
  }

  async start(): Promise<void> {
    if (this.#running) return;
    const client = redisClient(this.#url, this.#redisOptions);
    client.on('error', () => {}); // reported through onReadable, once per change
    client.defineCommand('sseHubAppend', { numberOfKeys: 4, lua: APPEND_SCRIPT });
    client.defineCommand('sseHubTrim', { numberOfKeys: 2, lua: TRIM_SCRIPT });
    const reader = client.duplicate();
    reader.on('error', () => {});
    this.#client = client;
    this.#reader = reader;
    this.#append = (client as unknown as { sseHubAppend: Append }).sseHubAppend.bind(client);
    this.#running = true;
    try {
      await Promise.all([client.connect(), reader.connect()]);
      const tail = (await client.xrevrange(this.key, '+', '-', 'COUNT', 1)) as Entry[];
      this.#last = tail[0]?.[0] ?? ZERO_ID;
    } catch (err) {
      // Redis is not reachable yet: the read loop keeps trying and reports it once.
      this.#setReadable(false, err);
    }
    this.#loop = this.#read();
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#listeners.clear();
    this.#statusListeners.clear();
    this.#reader?.disconnect();
    this.#client?.disconnect();
    for (const waiter of this.#catchUps) waiter.resolve();
    this.#catchUps.clear();
    await this.#loop;
  }

  async publish(event: HubEvent): Promise<StampedEvent> {
    const id = await this.#appendEntry('e', JSON.stringify(event), publishedState(event));
    return { id, event };
  }

  /**
   * The latest state the cluster published per entity (`state_changed` data, written with each
   * append): what a new leader diffs core's states against, whatever it read itself at start-up.
   */
  async publishedStates(): Promise<unknown[]> {
    const values = await this.#client!.hvals(this.statesKey);
    return values.flatMap((value) => {
      try {
        return [JSON.parse(value) as unknown];
      } catch {
        return [];
      }
    });
  }

  get statesKey(): string {
    return `${this.key}:states`;
  }

  /** Appends an upstream status entry (leader only); every instance's status listeners hear it in stream order. */
  async publishStatus(state: UpstreamState): Promise<string> {
    return this.#appendEntry('s', state);
  }

  subscribe(listener: TransportListener): () => void {
    const entry: TransportListener = (event) => listener(event);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** Hears the status entries the leader appends, in order with the events. */
  onStatus(listener: (state: UpstreamState) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  async replay(sinceId: string): Promise<ReplayResult> {
    if (!isStreamId(sinceId) || !this.#client) return { kind: 'gap' };
    // A client that comes from an instance further ahead: wait until this instance's reader has
    // delivered up to its id, so the events in between are not sent to it again live.
    if (compareStreamIds(sinceId, this.#last) > 0) await this.caughtUp().catch(() => {});
    // One transaction: the trim drops what the policy no longer keeps (age counts at the moment of
    // asking), then the read sees exactly what is left.
    const multi = this.#client.multi();
    (multi as unknown as { sseHubTrim: Trim }).sseHubTrim(this.key, this.#meta, ...this.#trimArgs);
    const results = await multi
      .exists(this.key)
      .xinfo('STREAM', this.key)
      .xrange(this.key, `(${sinceId}`, '+')
      .exec();
    const [trim, exists, info, range] = results ?? [];
    if (trim?.[0]) throw trim[0];
    this.#noteWindow(trim![1] as TrimReply);
    // No stream (nothing appended yet, or Redis lost its data): only the empty head replays.
    if (!exists || exists[1] !== 1) return sinceId === ZERO_ID ? { kind: 'events', events: [] } : { kind: 'gap' };
    if (info?.[0] || range?.[0]) throw (info?.[0] ?? range?.[0]) as Error;
    const fields = infoFields(info![1] as unknown[]);
    const lastGenerated = fields.get('last-generated-id');
    const maxDeleted = fields.get('max-deleted-entry-id');
    const dropped = (trim![1] as TrimReply)[3];
    if (typeof lastGenerated === 'string' && compareStreamIds(sinceId, lastGenerated) > 0) return { kind: 'gap' };
    // Entries after the id were dropped by the trim (or deleted by hand): the replay cannot be complete.
    if (dropped !== '' && compareStreamIds(sinceId, dropped) < 0) return { kind: 'gap' };
    if (typeof maxDeleted === 'string' && compareStreamIds(sinceId, maxDeleted) < 0) return { kind: 'gap' };
    // Only what this instance's reader has delivered: a resuming subscriber is registered before
    // the replay, so every later entry reaches it live (the hub's handover queue), exactly once.
    const delivered = this.#last;
    const events: StampedEvent[] = [];
    for (const entry of range![1] as Entry[]) {
      if (compareStreamIds(entry[0], delivered) > 0) break;
      const stamped = decode(entry);
      if (stamped) events.push(stamped);
    }
    return { kind: 'events', events };
  }

  head(): string {
    return this.#last;
  }

  /**
   * The window Redis last reported (by an append, a replay or a read started here), aged by the
   * local clock since. A read is started when the last report is over a second old, so the
   * statistics, asked every second or so, are at most a read behind.
   */
  window(): ReplayWindow {
    const now = this.#now();
    const known = this.#window;
    if (this.#running && this.#client && !this.#windowRead && (!known || now - known.at >= 1000)) {
      const read = (this.#client as unknown as { sseHubTrim: Trim }).sseHubTrim(this.key, this.#meta, ...this.#trimArgs);
      this.#windowRead = read.then(
        (reply) => this.#noteWindow(reply),
        () => {}, // Redis away: the read loop reports it; the window stays as last heard
      ).finally(() => (this.#windowRead = undefined));
    }
    return known ? windowOf(known.reply, now - known.at) : { seconds: 0, events: 0, bytes: 0 };
  }

  #noteWindow(reply: TrimReply): void {
    this.#window = { reply, at: this.#now() };
  }

  /**
   * Resolves once this instance's listeners heard every entry the stream held when called (a new
   * leader's handover: what the old one appended is known before anything is appended again).
   */
  async caughtUp(): Promise<void> {
    const tail = (await this.#client!.xrevrange(this.key, '+', '-', 'COUNT', 1)) as Entry[];
    const id = tail[0]?.[0];
    if (id === undefined || compareStreamIds(this.#last, id) >= 0) return;
    await new Promise<void>((resolve) => this.#catchUps.add({ id, resolve }));
  }

  async #appendEntry(field: 'e' | 's', value: string, state: { entityId: string; state: string } = NO_STATE): Promise<string> {
    if (!this.#running || !this.#append) throw new TransportStoppedError();
    const fence = this.#fence;
    const token = fence ? fence.token() : '';
    if (token === undefined) throw new FencedError();
    try {
      const lock = fence?.lockKey ?? `${this.key}:unfenced`;
      const [id, ...window] = await this.#append(this.key, this.#meta, lock, this.statesKey, token, field, value, state.entityId, state.state, ...this.#trimArgs);
      this.#noteWindow(window);
      return id;
    } catch (err) {
      if (err instanceof Error && /\bFENCED\b/.test(err.message)) throw new FencedError();
      throw err;
    }
  }

  async #read(): Promise<void> {
    while (this.#running) {
      let reply: [string, Entry[]][] | null;
      try {
        reply = (await this.#reader!.xread('COUNT', 1000, 'BLOCK', this.#blockMs, 'STREAMS', this.key, this.#last)) as
          | [string, Entry[]][]
          | null;
        this.#setReadable(true);
      } catch (err) {
        if (!this.#running) return;
        this.#setReadable(false, err);
        await new Promise<void>((resolve) => this.#timers.setTimeout(resolve, this.#retryMs));
        continue;
      }
      for (const [, entries] of reply ?? []) for (const entry of entries) this.#deliver(entry);
    }
  }

  #deliver(entry: Entry): void {
    if (!this.#running) return;
    this.#last = entry[0];
    this.#deliverEntry(entry);
    for (const waiter of this.#catchUps) {
      if (compareStreamIds(this.#last, waiter.id) < 0) continue;
      this.#catchUps.delete(waiter);
      waiter.resolve();
    }
  }

  #deliverEntry(entry: Entry): void {
    const status = fieldOf(entry[1], 's');
    if (status === 'connected' || status === 'disconnected') {
      for (const listener of this.#statusListeners) this.#call(() => listener(status));
      return;
    }
    const stamped = decode(entry);
    if (!stamped) return;
    for (const listener of this.#listeners) this.#call(() => listener(stamped));
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#onListenerError(err);
    }
  }

  #setReadable(readable: boolean, err?: unknown): void {
    if (this.#readable === readable) return;
    this.#readable = readable;
    this.#onReadable(readable, err);
  }
}

const NO_STATE = { entityId: '', state: '' };

/** A state_changed event's entity and new state (data as JSON; '' when the entity was removed). */
function publishedState(event: HubEvent): { entityId: string; state: string } {
  if (event.type !== 'state_changed') return NO_STATE;
  const data = event.data as { entity_id?: unknown; state?: unknown };
  if (typeof data.entity_id !== 'string') return NO_STATE;
  return { entityId: data.entity_id, state: data.state === null ? '' : JSON.stringify(data) };
}
