/**
 * Several instances on one Redis (docs/redis.md): the Redis transport, the leader lock (only the
 * leader runs the Home Assistant connection, subscribed to everything), the registry written
 * through on every open and close, cluster-wide `max_clients`, shared rate limits, remote close
 * and global figures. The bridge's state cache follows the shared stream.
 */
import type { EventInterest, HubEvent, HubObserver } from '../base/types.ts';
import type { HaBridge } from '../ha/bridge.ts';
import type { Hub } from '../hub/hub.ts';
import { RedisCluster } from '../cluster/cluster.ts';
import { RegistryObserver } from '../cluster/registry-observer.ts';
import type { HomeAssistantStates } from './monitoring.ts';
import type { Step, Topology, TopologyOptions } from './topology.ts';
import { replayPolicyOf } from './replay-policy.ts';

/** The leader subscribes to everything: nothing to track, every type is recorded. */
const RECORDS_EVERYTHING: EventInterest = { retain: () => () => {}, recordsEverything: true };

export class RedisTopology implements Topology {
  readonly kind = 'redis';
  readonly cluster: RedisCluster;
  readonly bridgeCachesCoreStates = false;
  readonly interest = RECORDS_EVERYTHING;
  readonly monitor: Topology['monitor'];
  readonly #options: TopologyOptions;
  #bridge: HaBridge | undefined;

  constructor(options: TopologyOptions & { url: string }) {
    this.#options = options;
    const { options: config, instanceId, logger } = options;
    this.cluster = new RedisCluster({
      ...options.cluster,
      url: options.url,
      instanceId,
      history: replayPolicyOf(config),
      maxClients: config.max_clients,
      logger,
      timers: options.timers,
    });
    const cluster = this.cluster;
    this.monitor = {
      handlerType: 'redis',
      instanceId,
      global: () => cluster.figures(),
      streams: () => cluster.streams(),
    };
  }

  get transport(): RedisCluster['transport'] {
    return this.cluster.transport;
  }

  get leader(): boolean {
    return this.cluster.leader;
  }

  get status(): RedisCluster['status'] {
    return this.cluster.status;
  }

  get limiterStore(): RedisCluster['shared'] {
    return this.cluster.shared;
  }

  get slots(): RedisCluster['slots'] {
    return this.cluster.slots;
  }

  readonly closeRemote = (connectionId: string): Promise<boolean> => this.cluster.closeRemote(connectionId);

  publish(event: HubEvent): void {
    this.cluster.publish(event);
  }

  useBridge(bridge: HaBridge): void {
    this.#bridge = bridge;
  }

  observe(next: HubObserver): HubObserver {
    return new RegistryObserver(next, this.cluster);
  }

  useHub(hub: Hub): void {
    const bridge = this.#bridge!;
    const { upstream } = this.#options;
    this.cluster.attach({
      bridge,
      upstream: upstream.connection,
      hub,
      follow: (event) => bridge.follow(event),
      seed: async () => bridge.adopt(await upstream.rest.getStates()),
    });
  }

  /** Every instance would write its own local figures to the same entities. */
  sensorStates(): HomeAssistantStates | undefined {
    return undefined;
  }

  steps(): { transport: Step; upstream: Step; cluster: Step } {
    const upstream = this.#options.upstream;
    return {
      transport: { name: 'transport', start: () => this.transport.start(), stop: () => this.transport.stop() },
      // The connection to core runs only while this instance leads (src/cluster/cluster.ts); the demo simulator runs anyway.
      upstream: { name: 'upstream', start: () => upstream.localCore?.start(), stop: () => upstream.stop() },
      cluster: { name: 'cluster', start: () => this.cluster.start(), stop: () => this.cluster.stop() },
    };
  }
}
