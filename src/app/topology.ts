/**
 * The one place that knows whether this process runs alone or as one instance of several (Redis
 * mode, docs/redis.md). {@link createTopology} picks once, at start, from `redis_url`; the server,
 * the bridge and the hub take what the topology hands them and never ask which mode they are in.
 *
 * A topology supplies the transport, the bridge's publishing and cache feed, the hub's interest
 * tracking and upstream status, the observer hook that writes the connection registry, the
 * limiter store and stream slots, the remote close, the monitor, and its own lifecycle steps.
 * `create-topology.ts` builds one.
 */
import type { Redis } from 'ioredis';
import type { Options } from '../config/config.ts';
import type { Logger } from '../base/log.ts';
import type { EventInterest, HubEvent, HubObserver, UpstreamStatus } from '../base/types.ts';
import type { Transport } from '../transport/transport.ts';
import type { HaBridge } from '../ha/bridge.ts';
import type { HaUpstream } from '../ha/upstream.ts';
import type { Hub } from '../hub/hub.ts';
import type { MonitorOptions } from '../stats/service.ts';
import type { HomeAssistantStates } from './monitoring.ts';
import type { StreamSlots } from '../http/routes/subscribe.ts';
import type { ClusterTimings } from '../cluster/cluster.ts';
import type { Timers } from '../base/timers.ts';

/** A part started and stopped by the server, named in its stop order. */
export interface Step {
  name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

export interface Topology {
  /** `memory` (one process) or `redis`. */
  readonly kind: 'memory' | 'redis';
  readonly transport: Transport;
  /** True while this instance runs the Home Assistant connection (always, in one process). */
  readonly leader: boolean;
  /** The bridge's publish: called synchronously for every normalized event; never throws. */
  publish(event: HubEvent): void;
  /** Whether the bridge's state cache follows core's own state events (else the topology feeds it). */
  readonly bridgeCachesCoreStates: boolean;
  /** Connects the bridge (call once, before reading {@link interest} or {@link status}). */
  useBridge(bridge: HaBridge): void;
  /** The hub's interest tracking. */
  readonly interest: EventInterest;
  /** Core's link status as this instance announces it (hub, health, metrics). */
  readonly status: UpstreamStatus;
  /** Wraps the hub's observer (Redis mode: writes the connection registry through). */
  observe(next: HubObserver): HubObserver;
  /** Connects the hub (call once, after constructing it). */
  useHub(hub: Hub): void;
  /** Where the shared rate limits count (undefined: in memory). */
  readonly limiterStore: { client: Redis; prefix: string } | undefined;
  /** `max_clients` across instances (undefined: this instance's own limit only). */
  readonly slots: StreamSlots | undefined;
  /** Closes a stream another instance holds (undefined: there are no others). */
  readonly closeRemote: ((connectionId: string) => Promise<boolean>) | undefined;
  /** What `/api/admin/sse-monitor` and the connections list need beyond this instance. */
  readonly monitor: MonitorOptions;
  /** Where the hub's own sensors are written (undefined: nowhere, so instances do not overwrite each other). */
  sensorStates(rest: HomeAssistantStates): HomeAssistantStates | undefined;
  /** The topology's steps, in start order: `transport`, `upstream`, and in Redis mode `cluster`. */
  steps(): { transport: Step; upstream: Step; cluster?: Step };
}

export interface TopologyOptions {
  options: Options;
  instanceId: string;
  upstream: HaUpstream;
  logger: Logger;
  /** Redis mode timings (tests shorten them). */
  cluster?: ClusterTimings;
  timers?: Timers;
}
