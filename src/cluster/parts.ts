/**
 * What the Redis cluster (src/cluster/cluster.ts) is built from and connected to: its options and
 * timings, and the parts of this instance it drives (bridge, core connection, hub).
 */
import type { Logger } from '../base/log.ts';
import type { ConnectionSnapshot, HubEvent, UpstreamStatus } from '../base/types.ts';
import type { Timers } from '../base/timers.ts';
import type { ReplayPolicy } from '../transport/transport.ts';

export interface ClusterTimings {
  /** Leader (and standby) lock TTL in ms: a dead leader is replaced within about this long plus a third. Default 1500. */
  lockTtlMs?: number;
  /** Registry heartbeat in ms. Default 5000. */
  heartbeatMs?: number;
  /** Registry expiry in ms. Default 15000. */
  expiryMs?: number;
  /** XREAD BLOCK in ms. Default 1000. */
  blockMs?: number;
}

/** What the cluster drives on the Home Assistant side (ha/bridge). */
export interface ClusterBridge extends UpstreamStatus {
  retain(type: string): () => void;
  /** Diffs the next resync against these published states (`state_changed` data). */
  rebase(published: readonly unknown[]): void;
  /** A connected standby taking the lead: publishes as resync what differs from these published states. */
  resyncAgainst(published: readonly unknown[]): number;
}

export interface ClusterUpstream {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Fills a follower's state cache (for `initial_state`) without a core subscription. */
export type SeedStates = () => Promise<void>;

/** What the cluster needs of the hub. */
export interface ClusterHub {
  list(): ConnectionSnapshot[];
  close(id: string, reason: 'admin_closed'): boolean;
}

/** What {@link RedisCluster.attach} connects. */
export interface ClusterParts {
  bridge: ClusterBridge;
  upstream: ClusterUpstream;
  hub: ClusterHub;
  /** Applies every event read from the shared stream to this instance's state cache. */
  follow: (event: HubEvent) => void;
  seed?: SeedStates;
}

export interface RedisClusterOptions extends ClusterTimings {
  url: string;
  instanceId: string;
  /** Key prefix. Default `sse-hub`. */
  prefix?: string;
  /** What the event stream keeps for replay (the `replay_*` options). */
  history: ReplayPolicy;
  /** `max_clients`, applied across every instance. */
  maxClients: number;
  logger: Logger;
  /** Lock and heartbeat ticks. Default: Node's timers, unref'd. */
  timers?: Timers;
  /** The clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}
