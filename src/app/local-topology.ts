/**
 * One process (docs/ARCHITECTURE.md §1): the memory transport, the bridge's own interest and
 * status, local limits and registry.
 */
import type { HubEvent, HubObserver } from '../base/types.ts';
import type { HaBridge } from '../ha/bridge.ts';
import { MemoryTransport } from '../transport/memory.ts';
import type { HomeAssistantStates } from './monitoring.ts';
import type { Step, Topology, TopologyOptions } from './topology.ts';
import { replayPolicyOf } from './replay-policy.ts';

export class LocalTopology implements Topology {
  readonly kind = 'memory';
  readonly transport: MemoryTransport;
  readonly bridgeCachesCoreStates = true;
  readonly leader = true;
  readonly limiterStore = undefined;
  readonly slots = undefined;
  readonly closeRemote = undefined;
  readonly monitor: Topology['monitor'];
  readonly #options: TopologyOptions;
  #bridge: HaBridge | undefined;

  constructor(options: TopologyOptions) {
    this.#options = options;
    this.transport = new MemoryTransport({ history: replayPolicyOf(options.options) });
    this.monitor = { handlerType: 'memory', instanceId: options.instanceId };
  }

  publish(event: HubEvent): void {
    // Synchronously: no promise per event on the hot path (issue 23); a throw is logged, as before.
    try {
      this.transport.publishSync(event);
    } catch (err) {
      this.#options.logger.error({ err }, 'publishing an event failed');
    }
  }

  useBridge(bridge: HaBridge): void {
    this.#bridge = bridge;
  }

  get interest(): HaBridge {
    return this.#bridge!;
  }

  get status(): HaBridge {
    return this.#bridge!;
  }

  observe(next: HubObserver): HubObserver {
    return next;
  }

  useHub(): void {}

  sensorStates(rest: HomeAssistantStates): HomeAssistantStates {
    return rest;
  }

  steps(): { transport: Step; upstream: Step } {
    const upstream = this.#options.upstream;
    return {
      transport: { name: 'transport', start: () => this.transport.start(), stop: () => this.transport.stop() },
      upstream: { name: 'upstream', start: () => upstream.start(), stop: () => upstream.stop() },
    };
  }
}
