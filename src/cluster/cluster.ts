/**
 * Multi-instance mode (docs/redis.md), composed for the server: the Redis transport, the leader
 * lock, the registry (written through), the cluster-wide stream slots and the command channel.
 *
 * - The leader and one standby (the next in line, holding the standby lock) run a Home Assistant
 *   connection; the others do not, so core carries at most two subscriptions. Their bridges retain
 *   `*` (subscribe to everything: no interest bookkeeping across instances; the cost is measured
 *   in bench/hub/redis.ts). The leader's events go to the stream through fenced appends; the
 *   standby holds its own copies until the stream shows them (src/cluster/core-feed.ts).
 * - Only the standby may take the leader lock while it holds its own (nobody else while a standby
 *   lives). On winning it, it reads the stream to its end, appends what the dead leader never did
 *   (in core's order, after any resync events), then appends live; another instance becomes standby.
 * - Every instance (the leader too) feeds its state cache from the stream. A leader that takes
 *   over without a live core connection (no standby) diffs core's states against the states the
 *   cluster published (`<key>:states`, kept by the append script): state changes fired while
 *   nobody followed core are published as resync events, before anything live.
 * - Appends that fail (Redis away) are held and appended in order once the lock is confirmed.
 * - The upstream status every instance announces comes from the stream (src/cluster/status.ts).
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../base/log.ts';
import type { ConnectionSnapshot, HubEvent, UpstreamState } from '../base/types.ts';
import { systemTimers } from '../base/timers.ts';
import { FencedError, RedisTransport } from '../transport/redis.ts';
import { redisClient } from '../transport/redis-client.ts';
import { CommandChannel } from './commands.ts';
import { LeaderLock } from './leader.ts';
import { type GlobalFigures, GlobalRegistry, type RegisteredStream } from './registry.ts';
import { CoreFeed } from './core-feed.ts';
import type { ClusterParts, RedisClusterOptions } from './parts.ts';
import { ClusterStatus } from './status.ts';

export type { ClusterBridge, ClusterHub, ClusterParts, ClusterTimings, ClusterUpstream, RedisClusterOptions, SeedStates } from './parts.ts';
import { StreamSlots } from './stream-slots.ts';

export class RedisCluster {
  readonly transport: RedisTransport;
  readonly status: ClusterStatus;
  readonly instanceId: string;
  readonly slots: StreamSlots;
  readonly #log: Logger;
  readonly #prefix: string;
  readonly #client: Redis;
  readonly #lock: LeaderLock;
  readonly #standby: LeaderLock;
  readonly #feed: CoreFeed;
  readonly #registry: GlobalRegistry;
  readonly #commands: CommandChannel;
  readonly #cleanups: (() => void)[] = [];
  readonly #now: () => number;
  #parts: ClusterParts | undefined;
  #publishFailing = false;
  #stopping = false;
  #upstreamRunning = false;
  /** Counts leaderships, so a takeover that outlived its leadership stops. */
  #term = 0;

  constructor(options: RedisClusterOptions) {
    const timers = options.timers ?? systemTimers();
    this.#now = options.now ?? Date.now;
    const expiryMs = options.expiryMs ?? 15_000;
    this.instanceId = options.instanceId;
    this.#prefix = options.prefix ?? 'sse-hub';
    this.#log = options.logger.child({ component: 'redis', instanceId: options.instanceId });
    this.status = new ClusterStatus((err) => this.#log.error({ err }, 'upstream status listener failed'));
    this.#client = redisClient(options.url);
    this.#client.on('error', () => {});
    // One log line per change: the command connection's own events say when Redis goes and comes back.
    this.#client.on('close', () => this.#onRedis(false));
    this.#client.on('ready', () => this.#onRedis(true));
    const ttlMs = options.lockTtlMs ?? 1500;
    const standbyKey = `${this.#prefix}:standby`;
    this.#lock = new LeaderLock({
      client: this.#client,
      key: `${this.#prefix}:leader`,
      instanceId: options.instanceId,
      ttlMs,
      onChange: (leader) => this.#onLeadership(leader),
      timers,
      // The standby holds what the dead leader did not append: it goes first, others only without one.
      mayAcquire: async () => this.#standby.leader || (await this.#client.exists(standbyKey)) === 0,
      onRenewed: () => this.#flush(),
    });
    this.#standby = new LeaderLock({
      client: this.#client,
      key: standbyKey,
      instanceId: options.instanceId,
      ttlMs,
      onChange: (standby) => this.#onStandby(standby),
      timers,
      mayAcquire: () => !this.#lock.leader,
    });
    this.#feed = new CoreFeed({ append: (event) => this.#append(event), now: options.now });
    this.transport = new RedisTransport({
      url: options.url,
      key: `${this.#prefix}:events`,
      history: options.history,
      fence: this.#lock,
      blockMs: options.blockMs,
      timers,
      onListenerError: (err) => this.#log.error({ err }, 'event listener failed'),
    });
    this.slots = new StreamSlots({ client: this.#client, prefix: this.#prefix, instanceId: this.instanceId, maxClients: options.maxClients, expiryMs, now: options.now });
    this.#registry = new GlobalRegistry({
      client: this.#client,
      prefix: this.#prefix,
      instanceId: this.instanceId,
      heartbeatMs: options.heartbeatMs ?? 5000,
      expiryMs,
      local: () => this.#parts?.hub.list() ?? [],
      reserved: () => this.slots.pending(),
      timers,
      now: options.now,
    });
    const subscriber = this.#client.duplicate();
    subscriber.on('error', () => {});
    this.#commands = new CommandChannel({
      subscriber,
      client: this.#client,
      prefix: this.#prefix,
      instanceId: this.instanceId,
      closeLocal: (id) => this.#parts?.hub.close(id, 'admin_closed') ?? false,
    });
  }

  /** The command connection and key prefix, for the shared rate limits. */
  get shared(): { client: Redis; prefix: string } {
    return { client: this.#client, prefix: this.#prefix };
  }

  get leader(): boolean {
    return this.#lock.leader;
  }

  /** Connects the cluster to this instance's parts; call before `start()`. */
  attach(parts: ClusterParts): void {
    this.#parts = parts;
  }

  /** Starts after the transport and the bridge: reads the status, joins the registry, competes for the lock. */
  async start(): Promise<void> {
    const { bridge, follow, seed } = this.#parts!;
    await this.#client.connect().catch(() => this.#onRedis(false));
    this.#cleanups.push(
      this.transport.onStatus((state) => this.status.setStream(state)),
      this.transport.subscribe((stamped) => {
        follow(stamped.event);
        this.#feed.appended(stamped.event);
      }),
      // During a takeover the status is announced once the held events are appended.
      bridge.onChange((state) => void (this.#feed.mode === 'live' && this.#announce(state))),
      bridge.retain('*'),
    );
    await this.#readStatus();
    await this.#registry.start();
    await this.#commands.start();
    await this.#lock.start();
    await this.#standby.start();
    if (!this.#lock.leader) {
      await seed?.().catch((err: unknown) =>
        this.#log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'reading the current states failed; initial_state fills as events arrive'),
      );
    }
    this.#log.info({ leader: this.#lock.leader }, 'joined the Redis cluster');
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    await this.#lock.stop();
    await this.#standby.stop();
    await this.#parts?.upstream.stop();
    await this.#registry.stop();
    await this.#commands.stop();
    this.#client.disconnect();
  }

  /** The bridge's publish: appended (leader), held (standby, takeover) or dropped (see src/cluster/core-feed.ts). */
  publish(event: HubEvent): void {
    this.#feed.publish(event);
  }

  /** True while this instance is the standby (it holds a core subscription and a handover buffer). */
  get standby(): boolean {
    return this.#standby.leader;
  }

  /** A fenced append; failures are logged once until an append succeeds, and rejected for the feed to hold. */
  #append(event: HubEvent): Promise<unknown> {
    return this.transport.publish(event).then(
      () => {
        if (!this.#publishFailing) return;
        this.#publishFailing = false;
        this.#log.info('appending events to Redis works again');
      },
      (err: unknown) => {
        if (!this.#publishFailing) {
          this.#publishFailing = true;
          if (err instanceof FencedError) this.#log.warn('an event was not appended: this instance no longer holds the leader lock');
          else this.#log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'appending events to Redis failed; events are held and appended in order when it works');
        }
        throw err;
      },
    );
  }

  /** A local stream opened: its registry entry replaces its reservation (one HSET). */
  streamOpened(connection: ConnectionSnapshot): void {
    this.slots.opened(connection.id);
    void this.#registry.opened(connection);
  }

  /** A local stream closed: its entry (and its `max_clients` slot) goes (one HDEL). */
  streamClosed(connection: ConnectionSnapshot): void {
    void this.#registry.closed(connection.id);
  }

  /** Global figures from the registry hashes. */
  async figures(): Promise<GlobalFigures> {
    return this.#registry.figures();
  }

  /** Every instance's streams, with the instance holding each. */
  async streams(): Promise<RegisteredStream[]> {
    return this.#registry.streams();
  }

  /** Closes a stream held by another instance; false when no live instance holds it. */
  async closeRemote(connectionId: string): Promise<boolean> {
    const owner = await this.#registry.ownerOf(connectionId);
    if (!owner || owner === this.instanceId) return false;
    return this.#commands.close(owner, connectionId);
  }

  #onLeadership(leader: boolean): void {
    const term = ++this.#term;
    if (leader) {
      this.#log.info({ standby: this.#standby.leader }, 'this instance is now the leader');
      this.#feed.takeOver();
      void this.#standby.release();
      void this.#takeOver(term);
    } else if (!this.#stopping) {
      this.#log.warn({ held: this.#feed.held }, 'this instance lost the leader lock');
      this.#feed.demote();
      void this.#settleRole();
    }
  }

  #onStandby(standby: boolean): void {
    if (this.#lock.leader || this.#stopping) return;
    if (standby) {
      this.#log.info('this instance is now the standby: it follows core to take over without loss');
      this.#feed.standby();
      void this.#startUpstream();
    } else {
      void this.#settleRole();
    }
  }

  /** After losing a lock: one try for the standby lock; neither leader nor standby stops following core. */
  async #settleRole(): Promise<void> {
    await Promise.all([this.#standby.attempt(), this.#lock.settled()]);
    if (this.#lock.leader || this.#standby.leader || this.#stopping) return;
    this.#log.info('this instance is neither leader nor standby: it stops its Home Assistant subscription');
    this.#feed.idle();
    await this.#stopUpstream();
  }

  /** The leader's lock was confirmed: what it held while Redis was away is appended, in order. */
  #flush(): void {
    if (this.#feed.held === 0) return;
    // An append that failed may have reached the stream all the same (its reply was lost): the
    // stream is read to its end first, so the feed crosses it off instead of appending it twice.
    this.transport.caughtUp().then(
      () => {
        const appended = this.#feed.flush();
        if (appended > 0) this.#log.info({ appended, dropped: this.#feed.dropped }, 'appended the events held while appending failed');
      },
      () => {
        // Redis is away again: the next renewal flushes.
      },
    );
  }

  /**
   * Reads the stream to its end (what the dead leader appended), waits for core (a standby's
   * connection is up already), then appends resync and held events and goes live.
   */
  async #takeOver(term: number): Promise<void> {
    const bridge = this.#parts!.bridge;
    const startedAt = this.#now();
    // Clients hear of a gap only when there may be one: nobody held core's events meanwhile.
    // Then the resync diffs core against what the cluster published, not what this instance read.
    if (bridge.state !== 'connected') {
      await this.#announce('disconnected');
      try {
        bridge.rebase(await this.transport.publishedStates());
      } catch {
        // Redis is away: the resync diffs against what this instance followed.
      }
    } else {
      // A standby that started while no leader ran read core's states at start-up: what that read
      // holds beyond what the cluster published goes out as resync, before the held events.
      try {
        bridge.resyncAgainst(await this.transport.publishedStates());
      } catch {
        // Redis is away: nothing to diff against; the held events still go out.
      }
    }
    await this.#startUpstream();
    try {
      await this.transport.caughtUp();
    } catch {
      // Redis is away: the held events are appended when it is back (or announced as lost by the log).
    }
    if (bridge.state !== 'connected') {
      await new Promise<void>((resolve) => {
        const off = bridge.onChange((state) => {
          if (state !== 'connected' && this.#term === term) return;
          off();
          resolve();
        });
        if (this.#term !== term) {
          off();
          resolve();
        }
      });
    }
    if (this.#term !== term || !this.#lock.leader) return;
    const { resynced, recovered } = this.#feed.goLive();
    // Appends of the last term still in flight settle first (a late failure goes in its place).
    const waitingForAppends = this.#feed.inFlight;
    this.#log.info({ resynced, recovered, waitingForAppends, tookMs: this.#now() - startedAt }, 'took over: appended what the last leader had not');
    await this.#announce(bridge.state);
  }

  async #startUpstream(): Promise<void> {
    if (this.#upstreamRunning) return;
    this.#upstreamRunning = true;
    await this.#parts?.upstream.start();
  }

  async #stopUpstream(): Promise<void> {
    if (!this.#upstreamRunning) return;
    this.#upstreamRunning = false;
    await this.#parts?.upstream.stop();
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
      this.status.setStream(stored === 'connected' ? 'connected' : 'disconnected');
    } catch {
      this.status.setStream('disconnected');
    }
  }

  #onRedis(readable: boolean): void {
    if (readable === this.status.redisUp) return;
    if (readable) {
      this.#log.info('Redis is reachable again');
      void this.#readStatus();
      void this.#registry.beat(); // a restarted Redis is empty: the streams are written again at once
    } else {
      this.#log.error('Redis is unreachable; streams stay open and resume when it is back');
    }
    this.status.setRedisUp(readable);
  }
}
