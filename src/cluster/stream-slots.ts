/**
 * Cluster-wide `max_clients` (docs/redis.md): before a stream opens, one Lua script counts the
 * streams in every live instance's registry hash (src/cluster/registry.ts) and, when the total is
 * under the limit, adds a placeholder field for the new stream's id to this instance's hash, all
 * atomically, so concurrent opens on different instances cannot overshoot. The field becomes the
 * stream's entry when it opens and is removed when it closes (or the open fails); a dead instance's
 * reservations go with its hash when the key expires.
 *
 * While Redis is unreachable the reservation is granted: the instance's own `max_clients` still
 * holds, and refusing every stream because Redis is away would turn its outage into the hub's.
 */
import type { Redis } from 'ioredis';
import { HEARTBEAT_FIELD, RESERVED, instancesKey, streamsKey } from './registry.ts';

// KEYS: the instances set, this instance's hash. ARGV: hash key prefix, field, placeholder, limit,
// expiry ms, instance id, now (epoch ms). The hashes read are named from the set (single-node Redis).
const RESERVE = `
local total = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. id
  local n = redis.call('HLEN', key)
  if n > 0 and redis.call('HEXISTS', key, '${HEARTBEAT_FIELD}') == 1 then n = n - 1 end
  total = total + n
end
if redis.call('SISMEMBER', KEYS[1], ARGV[6]) == 0 then
  local n = redis.call('HLEN', KEYS[2])
  if n > 0 and redis.call('HEXISTS', KEYS[2], '${HEARTBEAT_FIELD}') == 1 then n = n - 1 end
  total = total + n
end
if total >= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('HSETNX', KEYS[2], '${HEARTBEAT_FIELD}', ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('SADD', KEYS[1], ARGV[6])
return 1`;

type Reserve = (instances: string, own: string, prefix: string, field: string, value: string, limit: number, expiryMs: number, instanceId: string, now: number) => Promise<number>;

export interface StreamSlotsOptions {
  client: Redis;
  prefix: string;
  instanceId: string;
  /** `max_clients`: streams across every instance. */
  maxClients: number;
  /** The registry hash's expiry in ms (the same as the registry's). */
  expiryMs: number;
  /** The clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}

export class StreamSlots {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #instanceId: string;
  readonly #maxClients: number;
  readonly #expiryMs: number;
  readonly #now: () => number;
  /** Reservations whose stream has not opened (or failed) yet: the registry's heartbeat keeps them. */
  readonly #pending = new Set<string>();
  #reserve: Reserve | undefined;

  constructor(options: StreamSlotsOptions) {
    this.#client = options.client;
    this.#prefix = options.prefix;
    this.#instanceId = options.instanceId;
    this.#maxClients = options.maxClients;
    this.#expiryMs = options.expiryMs;
    this.#now = options.now ?? Date.now;
  }

  /** True when stream `connectionId` may open (its slot is now held); false when the cluster is full. */
  async reserve(connectionId: string): Promise<boolean> {
    if (!this.#reserve) {
      this.#client.defineCommand('sseHubReserve', { numberOfKeys: 2, lua: RESERVE });
      this.#reserve = (this.#client as unknown as { sseHubReserve: Reserve }).sseHubReserve.bind(this.#client);
    }
    const own = streamsKey(this.#prefix, this.#instanceId);
    this.#pending.add(connectionId);
    try {
      const granted = await this.#reserve(
        instancesKey(this.#prefix),
        own,
        streamsKey(this.#prefix, ''),
        connectionId,
        RESERVED,
        this.#maxClients,
        this.#expiryMs,
        this.#instanceId,
        this.#now(),
      );
      if (granted !== 1) this.#pending.delete(connectionId);
      return granted === 1;
    } catch {
      return true; // Redis is away: the local limit holds (see above)
    }
  }

  /** The stream opened: its registry entry (written by the registry) replaces the reservation. */
  opened(connectionId: string): void {
    this.#pending.delete(connectionId);
  }

  /** Ids whose reservation is held but whose stream has not opened yet. */
  pending(): Iterable<string> {
    return this.#pending;
  }

  /** Gives a slot back when its stream did not open. */
  async release(connectionId: string): Promise<void> {
    this.#pending.delete(connectionId);
    try {
      await this.#client.hdel(streamsKey(this.#prefix, this.#instanceId), connectionId);
    } catch {
      // Redis is away: the heartbeat rewrites the hash without it.
    }
  }
}
