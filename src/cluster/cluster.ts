/**
 * Multi-instance mode (docs/redis.md), composed for the server: the Redis transport, the leader
 * lock, the global registry and the command channel.
 *
 * - Only the leader runs the Home Assistant connection. Its bridge retains `*` (subscribe to
 *   everything: no interest bookkeeping across instances; the cost is measured in
 *   bench/hub/redis.ts) and its events go to the stream through fenced appends.
 * - Every instance (the leader too) feeds its bridge's state cache from the stream, so one that
 *   takes over diffs core's states against what the cluster last saw: state changes fired while
 *   nobody led are published as resync events and counted in the log.
 * - The upstream status every instance announces comes from the stream: the leader appends
 *   `disconnected` when it takes over and its bridge's status changes; while Redis is unreachable
 *   every instance reports `disconnected`.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../base/log.ts';
import type { EventInterest, HubEvent, UpstreamState, UpstreamStatus } from '../base/types.ts';
import { FencedError, RedisTransport, redisClient } from '../transport/redis.ts';
import type { ReplayPolicy } from '../transport/transport.ts';
import { CommandChannel } from './commands.ts';
import { LeaderLock } from './leader.ts';
import { type GlobalFigures, GlobalRegistry, type RegistryEntry } from './registry.ts';

export interface ClusterTimings {
  /** Leader lock TTL in ms. Default 10000. */
  lockTtlMs?: number;
  /** Registry heartbeat in ms. Default 5000. */
  heartbeatMs?: number;
  /** Registry expiry in ms. Default 15000. */
  expiryMs?: number;
  /** XREAD BLOCK in ms. Default 1000. */
  blockMs?: number;
}

/** What the cluster drives on the Home Assistant side (ha/bridge and its connection). */
export interface ClusterBridge extends UpstreamStatus {
  retain(type: string): () => void;
  /** Applies an event another instance published to the state cache. */
  follow(event: HubEvent): void;
}

export interface ClusterUpstream {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Fills a follower's state cache (for `initial_state`) without a core subscription. */
export type SeedStates = () => Promise<void>;

/** What the cluster needs of the hub. */
export interface ClusterHub {
  list(): { id: string; userId: string }[];
  close(id: string, reason: 'admin_closed'): boolean;
}

export interface RedisClusterOptions extends ClusterTimings {
  url: string;
  instanceId: string;
  /** Key prefix. Default `sse-hub`. */
  prefix?: string;
  /** What the event stream keeps for replay (the `replay_*` options). */
  history: ReplayPolicy;
  logger: Logger;
}

const NO_INTEREST: EventInterest = { retain: () => () => {} };

export class RedisCluster {
  readonly transport: RedisTransport;
  /** The hub's interest: nothing to track, the leader subscribes to everything. */
  readonly interest = NO_INTEREST;
  readonly status: UpstreamStatus;
  readonly instanceId: string;
  readonly #log: Logger;
  readonly #prefix: string;
  readonly #client: Redis;
  readonly #lock: LeaderLock;
  readonly #statusListeners = new Set<(state: UpstreamState) => void>();
  readonly #cleanups: (() => void)[] = [];
  #registry: GlobalRegistry | undefined;
  #commands: CommandChannel | undefined;
  #bridge: ClusterBridge | undefined;
  #upstream: ClusterUpstream | undefined;
  #seed: SeedStates | undefined;
  #streamStatus: UpstreamState = 'disconnected';
  #redisUp = true;
  #publishFailing = false;
  #stopping = false;
  readonly #o: RedisClusterOptions;

  constructor(options: RedisClusterOptions) {
    this.#o = options;
    this.instanceId = options.instanceId;
    this.#prefix = options.prefix ?? 'sse-hub';
    this.#log = options.logger.child({ component: 'redis', instanceId: options.instanceId });
    this.#client = redisClient(options.url);
    this.#client.on('error', () => {});
    // One log line per change: the command connection's own events say when Redis goes and comes back.
    this.#client.on('close', () => this.#onRedis(false));
    this.#client.on('ready', () => this.#onRedis(true));
    this.#lock = new LeaderLock({
      client: this.#client,
      key: `${this.#prefix}:leader`,
      instanceId: options.instanceId,
      ttlMs: options.lockTtlMs ?? 10_000,
      onChange: (leader) => this.#onLeadership(leader),
    });
    this.transport = new RedisTransport({
      url: options.url,
      key: `${this.#prefix}:events`,
      history: options.history,
      fence: this.#lock,
      blockMs: options.blockMs,
      onListenerError: (err) => this.#log.error({ err }, 'event listener failed'),
    });
    const state = () => this.#state();
    this.status = {
      get state() {
        return state();
      },
      onChange: (listener) => {
        this.#statusListeners.add(listener);
        return () => this.#statusListeners.delete(listener);
      },
    };
  }

  /** The command connection and key prefix, for the shared rate limits. */
  get shared(): { client: Redis; prefix: string } {
    return { client: this.#client, prefix: this.#prefix };
  }

  get leader(): boolean {
    return this.#lock.leader;
  }

  /** Connects the cluster to this instance's parts; call before `start()`. */
  attach(parts: { bridge: ClusterBridge; upstream: ClusterUpstream; hub: ClusterHub; seed?: SeedStates }): void {
    this.#bridge = parts.bridge;
    this.#seed = parts.seed;
    this.#upstream = parts.upstream;
    const local = (): RegistryEntry[] => parts.hub.list().map((c) => ({ id: c.id, userId: c.userId }));
    this.#registry = new GlobalRegistry({
      client: this.#client,
      prefix: this.#prefix,
      instanceId: this.instanceId,
      heartbeatMs: this.#o.heartbeatMs ?? 5000,
      expiryMs: this.#o.expiryMs ?? 15_000,
      local,
    });
    const subscriber = this.#client.duplicate();
    subscriber.on('error', () => {});
    this.#commands = new CommandChannel({
      subscriber,
      client: this.#client,
      prefix: this.#prefix,
      instanceId: this.instanceId,
      closeLocal: (id) => parts.hub.close(id, 'admin_closed'),
    });
  }

  /** Starts after the transport and the bridge: reads the status, joins the registry, competes for the lock. */
  async start(): Promise<void> {
    const bridge = this.#bridge!;
    await this.#client.connect().catch(() => this.#onRedis(false));
    this.#cleanups.push(
      this.transport.onStatus((state) => this.#setStreamStatus(state)),
      this.transport.subscribe((stamped) => bridge.follow(stamped.event)),
      bridge.onChange((state) => void this.#announce(state)),
      bridge.retain('*'),
    );
    await this.#readStatus();
    await this.#registry!.start();
    await this.#commands!.start();
    await this.#lock.start();
    if (!this.#lock.leader) {
      await this.#seed?.().catch((err: unknown) =>
        this.#log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'reading the current states failed; initial_state fills as events arrive'),
      );
    }
    this.#log.info({ leader: this.#lock.leader }, 'joined the Redis cluster');
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    await this.#lock.stop();
    await this.#upstream?.stop();
    await this.#registry?.stop();
    await this.#commands?.stop();
    this.#client.disconnect();
  }

  /** The bridge's publish: a fenced append; failures are logged once until an append succeeds. */
  publish(event: HubEvent): void {
    this.transport.publish(event).then(
      () => {
        if (!this.#publishFailing) return;
        this.#publishFailing = false;
        this.#log.info('appending events to Redis works again');
      },
      (err: unknown) => {
        if (this.#publishFailing) return;
        this.#publishFailing = true;
        if (err instanceof FencedError) this.#log.warn('an event was not appended: this instance no longer holds the leader lock');
        else this.#log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'appending events to Redis failed; events are dropped until it works');
      },
    );
  }

  /** Global figures from the registry (this instance's streams as of its last heartbeat). */
  async figures(): Promise<GlobalFigures> {
    await this.#registry!.beat();
    return this.#registry!.figures();
  }

  /** Closes a stream held by another instance; false when no live instance holds it. */
  async closeRemote(connectionId: string): Promise<boolean> {
    const owner = await this.#registry!.ownerOf(connectionId);
    if (!owner || owner === this.instanceId) return false;
    return this.#commands!.close(owner, connectionId);
  }

  #onLeadership(leader: boolean): void {
    if (leader) {
      this.#log.info('this instance is now the leader');
      // Whatever core fired since the last leader stopped is announced, then resynced by the bridge.
      void this.#announce('disconnected').then(() => this.#upstream?.start());
    } else if (!this.#stopping) {
      this.#log.warn('this instance lost the leader lock: it stops its Home Assistant subscription');
      void this.#upstream?.stop();
    }
  }

  async #announce(state: UpstreamState): Promise<void> {
    if (!this.#lock.leader) return;
    try {
      await this.transport.publishStatus(state);
      await this.#client.set(`${this.#prefix}:upstream`, state);
    } catch {
      // Not the leader any more, or Redis is away: the next leader announces.
    }
  }

  async #readStatus(): Promise<void> {
    try {
      const stored = await this.#client.get(`${this.#prefix}:upstream`);
      this.#setStreamStatus(stored === 'connected' ? 'connected' : 'disconnected');
    } catch {
      this.#setStreamStatus('disconnected');
    }
  }

  #state(): UpstreamState {
    return this.#redisUp && this.#streamStatus === 'connected' ? 'connected' : 'disconnected';
  }

  #setStreamStatus(state: UpstreamState): void {
    const before = this.#state();
    this.#streamStatus = state;
    this.#notify(before);
  }

  #onRedis(readable: boolean): void {
    if (readable === this.#redisUp) return;
    const before = this.#state();
    this.#redisUp = readable;
    if (readable) {
      this.#log.info('Redis is reachable again');
      void this.#readStatus();
    } else {
      this.#log.error('Redis is unreachable; streams stay open and resume when it is back');
    }
    this.#notify(before);
  }

  #notify(before: UpstreamState): void {
    const after = this.#state();
    if (after === before) return;
    for (const listener of this.#statusListeners) {
      try {
        listener(after);
      } catch (err) {
        this.#log.error({ err }, 'upstream status listener failed');
      }
    }
  }
}
