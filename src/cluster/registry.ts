/**
 * The global registry (docs/redis.md), written through: every instance keeps one hash,
 * `<prefix>:streams:<instanceId>`, with a field per open stream (its id → the stream's snapshot as
 * JSON) and a `~heartbeat` field (epoch ms). A stream is added (HSET) when it opens and removed
 * (HDEL) when it closes, one round trip each, off the event path; the heartbeat rewrites the
 * snapshots (fresh counters) and refreshes the key's expiry, so a dead instance's streams vanish
 * when its key expires. `<prefix>:instances` lists the instances that wrote a hash.
 *
 * The same hashes are the cluster-wide `max_clients` reservations (src/cluster/stream-slots.ts).
 */
import type { Redis } from 'ioredis';
import type { ConnectionSnapshot } from '../base/types.ts';
import { type TimerHandle, type Timers, systemTimers } from '../base/timers.ts';

/** The hash field holding an instance's last heartbeat; every other field is a stream. */
export const HEARTBEAT_FIELD = '~heartbeat';
/** The value of a `max_clients` reservation whose stream has not opened yet (src/cluster/stream-slots.ts). */
export const RESERVED = '{"reserved":true}';

export interface InstanceHeartbeat {
  instanceId: string;
  /** Epoch ms of the instance's last heartbeat. */
  heartbeatAt: number;
  connections: number;
}

export interface GlobalFigures {
  connections: number;
  uniqueUsers: number;
  perUser: Record<string, number>;
  instances: InstanceHeartbeat[];
}

/** A stream as another instance wrote it (its snapshot as of its open or the last heartbeat). */
export interface RegisteredStream {
  instanceId: string;
  connection: ConnectionSnapshot;
}

export interface GlobalRegistryOptions {
  client: Redis;
  /** Key prefix, e.g. `sse-hub`. */
  prefix: string;
  instanceId: string;
  /** Milliseconds between heartbeats. */
  heartbeatMs: number;
  /** Milliseconds after the last heartbeat when an instance's entries vanish (> heartbeatMs). */
  expiryMs: number;
  /** This instance's streams now. */
  local: () => ConnectionSnapshot[];
  /** Stream ids holding a reservation whose stream has not opened yet (kept by the heartbeat). */
  reserved?: () => Iterable<string>;
  /** Heartbeat timer. Default: Node's timers, unref'd. */
  timers?: Timers;
  /** The clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}

export function instancesKey(prefix: string): string {
  return `${prefix}:instances`;
}

export function streamsKey(prefix: string, instanceId: string): string {
  return `${prefix}:streams:${instanceId}`;
}

export class GlobalRegistry {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #instanceId: string;
  readonly #heartbeatMs: number;
  readonly #expiryMs: number;
  readonly #local: () => ConnectionSnapshot[];
  readonly #reserved: () => Iterable<string>;
  readonly #timers: Timers;
  readonly #now: () => number;
  #timer: TimerHandle | undefined;

  constructor(options: GlobalRegistryOptions) {
    this.#client = options.client;
    this.#prefix = options.prefix;
    this.#instanceId = options.instanceId;
    this.#heartbeatMs = options.heartbeatMs;
    this.#expiryMs = options.expiryMs;
    this.#local = options.local;
    this.#reserved = options.reserved ?? (() => []);
    this.#timers = options.timers ?? systemTimers();
    this.#now = options.now ?? Date.now;
  }

  get #own(): string {
    return streamsKey(this.#prefix, this.#instanceId);
  }

  async start(): Promise<void> {
    await this.beat();
    this.#timer = this.#timers.setInterval(() => void this.beat(), this.#heartbeatMs);
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) this.#timers.clearInterval(this.#timer);
    this.#timer = undefined;
    try {
      await this.#client.multi().del(this.#own).srem(instancesKey(this.#prefix), this.#instanceId).exec();
    } catch {
      // Redis is away: the entry expires by itself.
    }
  }

  /** Writes one opened stream through (HSET), refreshing the expiry. Never throws: the heartbeat repairs. */
  async opened(connection: ConnectionSnapshot): Promise<void> {
    try {
      await this.#client
        .multi()
        .hset(this.#own, connection.id, JSON.stringify(connection))
        .hsetnx(this.#own, HEARTBEAT_FIELD, String(this.#now()))
        .pexpire(this.#own, this.#expiryMs)
        .sadd(instancesKey(this.#prefix), this.#instanceId)
        .exec();
    } catch {
      // Redis is away: the next heartbeat writes every stream again.
    }
  }

  /** Removes one closed stream (HDEL); this also releases its `max_clients` reservation. */
  async closed(connectionId: string): Promise<void> {
    try {
      await this.#client.hdel(this.#own, connectionId);
    } catch {
      // Redis is away: the heartbeat rewrites the hash from the streams open then.
    }
  }

  /**
   * Replaces this instance's hash in one transaction: the heartbeat, every open stream's snapshot,
   * the pending reservations, and the expiry. A close whose HDEL failed (Redis away) is repaired
   * here; commands leave this connection in the order they are issued, so a snapshot taken here
   * cannot resurrect a stream closed later.
   */
  async beat(): Promise<boolean> {
    const fields: string[] = [HEARTBEAT_FIELD, String(this.#now())];
    for (const connection of this.#local()) fields.push(connection.id, JSON.stringify(connection));
    for (const id of this.#reserved()) fields.push(id, RESERVED);
    try {
      await this.#client
        .multi()
        .del(this.#own)
        .hset(this.#own, ...fields)
        .pexpire(this.#own, this.#expiryMs)
        .sadd(instancesKey(this.#prefix), this.#instanceId)
        .exec();
      return true;
    } catch {
      return false;
    }
  }

  /** Every live instance's hash, read in one pipeline; instances whose hash expired are dropped from the set. */
  async #hashes(): Promise<Map<string, Record<string, string>>> {
    const client = this.#client;
    const ids = await client.smembers(instancesKey(this.#prefix));
    const hashes = new Map<string, Record<string, string>>();
    if (ids.length === 0) return hashes;
    const pipeline = client.pipeline();
    for (const id of ids) pipeline.hgetall(streamsKey(this.#prefix, id));
    const results = (await pipeline.exec()) ?? [];
    const gone: string[] = [];
    ids.forEach((id, i) => {
      const [err, value] = results[i] ?? [];
      if (err) throw err;
      const hash = value as Record<string, string>;
      if (hash[HEARTBEAT_FIELD] === undefined) gone.push(id);
      else hashes.set(id, hash);
    });
    if (gone.length > 0) await client.srem(instancesKey(this.#prefix), ...gone);
    return hashes;
  }

  /** Every stream of every live instance, with the instance holding it. */
  async streams(): Promise<RegisteredStream[]> {
    const streams: RegisteredStream[] = [];
    for (const [instanceId, hash] of await this.#hashes()) {
      for (const [field, value] of Object.entries(hash)) {
        if (field === HEARTBEAT_FIELD) continue;
        const connection = parseSnapshot(value);
        if (connection) streams.push({ instanceId, connection });
      }
    }
    return streams;
  }

  /** Connections, unique users and connections per user across every live instance. */
  async figures(): Promise<GlobalFigures> {
    const perUser: Record<string, number> = {};
    const instances: InstanceHeartbeat[] = [];
    let connections = 0;
    for (const [instanceId, hash] of await this.#hashes()) {
      let count = 0;
      for (const [field, value] of Object.entries(hash)) {
        if (field === HEARTBEAT_FIELD) continue;
        const userId = parseSnapshot(value)?.userId;
        if (userId === undefined) continue; // a reservation whose stream is not open yet
        count++;
        perUser[userId] = (perUser[userId] ?? 0) + 1;
      }
      instances.push({ instanceId, heartbeatAt: Number(hash[HEARTBEAT_FIELD]), connections: count });
      connections += count;
    }
    instances.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    return { connections, uniqueUsers: Object.keys(perUser).length, perUser, instances };
  }

  /** The live instance holding stream `connectionId`, read from the hashes now. */
  async ownerOf(connectionId: string): Promise<string | undefined> {
    const ids = await this.#client.smembers(instancesKey(this.#prefix));
    if (ids.length === 0) return undefined;
    const pipeline = this.#client.pipeline();
    for (const id of ids) pipeline.hexists(streamsKey(this.#prefix, id), connectionId);
    const results = (await pipeline.exec()) ?? [];
    const index = results.findIndex(([err, found]) => !err && found === 1);
    return index < 0 ? undefined : ids[index];
  }
}

function parseSnapshot(value: string): ConnectionSnapshot | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<ConnectionSnapshot>;
    return typeof parsed.id === 'string' && typeof parsed.userId === 'string' ? (parsed as ConnectionSnapshot) : undefined;
  } catch {
    return undefined;
  }
}
