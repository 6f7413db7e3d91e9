/** Picks the {@link Topology} once, at start, from `redis_url` (src/app/topology.ts says what one supplies). */
import { LocalTopology } from './local-topology.ts';
import { RedisTopology } from './redis-topology.ts';
import type { Topology, TopologyOptions } from './topology.ts';

export function createTopology(options: TopologyOptions): Topology {
  return options.options.redis_url ? new RedisTopology({ ...options, url: options.options.redis_url }) : new LocalTopology(options);
}
