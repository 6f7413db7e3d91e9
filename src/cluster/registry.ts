/**
 * The global registry (docs/redis.md): every instance writes its streams (connection id and user
 * id) and a heartbeat time to one key with an expiry, refreshed every heartbeat. Global figures
 * read every live instance's key; an instance that stops refreshing (killed, partitioned) drops
 * out when its key expires, and its streams with it.
 */
import type { Redis } from 'ioredis';

export interface RegistryEntry {
  id: string;
  userId: string;
}

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
  local: () => RegistryEntry[];
  now?: () => number;
}

interface Stored {
  heartbeatAt: number;
  /** `[connectionId, userId]` pairs. */
  c: [string, string][];
}

export class GlobalRegistry {
  readonly #o: GlobalRegistryOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: GlobalRegistryOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get #set(): string {
    return `${this.#o.prefix}:instances`;
  }

  #key(instanceId: string): string {
    return `${this.#o.prefix}:instance:${instanceId}`;
  }

  async start(): Promise<void> {
    await this.beat();
    this.#timer = setInterval(() => void this.beat(), this.#o.heartbeatMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    try {
      await this.#o.client.multi().del(this.#key(this.#o.instanceId)).srem(this.#set, this.#o.instanceId).exec();
    } catch {
      // Redis is away: the entry expires by itself.
    }
  }

  /** Writes this instance's entry; false when Redis did not take it. */
  async beat(): Promise<boolean> {
    const stored: Stored = { heartbeatAt: this.#now(), c: this.#o.local().map((e) => [e.id, e.userId]) };
    try {
      await this.#o.client
        .multi()
        .set(this.#key(this.#o.instanceId), JSON.stringify(stored), 'PX', this.#o.expiryMs)
        .sadd(this.#set, this.#o.instanceId)
        .exec();
      return true;
    } catch {
      return false;
    }
  }

  async #entries(): Promise<Map<string, Stored>> {
    const client = this.#o.client;
    const ids = await client.smembers(this.#set);
    const entries = new Map<string, Stored>();
    if (ids.length === 0) return entries;
    const values = await client.mget(ids.map((id) => this.#key(id)));
    const gone: string[] = [];
    ids.forEach((id, i) => {
      const raw = values[i];
      if (raw) entries.set(id, JSON.parse(raw) as Stored);
      else gone.push(id);
    });
    if (gone.length > 0) await client.srem(this.#set, ...gone);
    return entries;
  }

  /** Connections, unique users and connections per user across every live instance. */
  async figures(): Promise<GlobalFigures> {
    const perUser: Record<string, number> = {};
    const instances: InstanceHeartbeat[] = [];
    let connections = 0;
    for (const [instanceId, stored] of await this.#entries()) {
      instances.push({ instanceId, heartbeatAt: stored.heartbeatAt, connections: stored.c.length });
      connections += stored.c.length;
      for (const [, userId] of stored.c) perUser[userId] = (perUser[userId] ?? 0) + 1;
    }
    instances.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    return { connections, uniqueUsers: Object.keys(perUser).length, perUser, instances };
  }

  /** The instance holding stream `connectionId`, as of its last heartbeat. */
  async ownerOf(connectionId: string): Promise<string | undefined> {
    for (const [instanceId, stored] of await this.#entries()) {
      if (stored.c.some(([id]) => id === connectionId)) return instanceId;
    }
    return undefined;
  }
}
