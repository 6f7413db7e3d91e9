/**
 * The hub's limits and timings, in milliseconds and bytes so tests can shrink them to run in
 * seconds. {@link hubLimitsFromOptions} converts the user-facing options (seconds, minutes, KiB).
 */
import type { Options } from '../config/config.ts';

export interface HubLimits {
  /** Concurrent streams across both listeners (`max_clients`). Default 100. */
  maxClients: number;
  /** Milliseconds between `ping` frames (`ping_interval`). Default 30 000. */
  pingIntervalMs: number;
  /** A socket that has not drained for this many milliseconds is closed (`inactivity_timeout`). Default 300 000. */
  inactivityTimeoutMs: number;
  /** Streams older than this are asked to reconnect (`max_connection_age`); 0 = never. Default 0. */
  maxConnectionAgeMs: number;
  /** Unwritten bytes one stream may hold before it is closed as a slow consumer (`slow_consumer_limit_kb`). Default 512 KiB. */
  slowConsumerLimitBytes: number;
  /** The `retry:` hint of every stream's first frame, in milliseconds. Default 3000. */
  retryMs: number;
  /**
   * Random extra milliseconds (0..this) added to the retry hint when the server itself ends many
   * streams at once (shutdown, max age), so the reconnects spread out. Also spreads max-age
   * deadlines by up to 10 %. Default 5000.
   */
  retryJitterMs: number;
  /** How often inactivity and max age are checked. Default 1000. */
  sweepIntervalMs: number;
  /** How long a closing stream may take to flush its last frame before its socket is destroyed. Default 5000. */
  closeGraceMs: number;
  /**
   * How long an event type stays recorded after its last stream closed (`replay_linger`), so a
   * lone client that drops off the network resumes exactly. 0 releases at once. Default 300 000.
   */
  interestLingerMs: number;
}

export const DEFAULT_HUB_LIMITS: Readonly<HubLimits> = Object.freeze({
  maxClients: 100,
  pingIntervalMs: 30_000,
  inactivityTimeoutMs: 300_000,
  maxConnectionAgeMs: 0,
  slowConsumerLimitBytes: 512 * 1024,
  retryMs: 3000,
  retryJitterMs: 5000,
  sweepIntervalMs: 1000,
  closeGraceMs: 5000,
  interestLingerMs: 300_000,
});

export function hubLimitsFromOptions(options: Options): HubLimits {
  return {
    ...DEFAULT_HUB_LIMITS,
    maxClients: options.max_clients,
    pingIntervalMs: options.ping_interval * 1000,
    inactivityTimeoutMs: options.inactivity_timeout * 1000,
    interestLingerMs: options.replay_linger * 1000,
    maxConnectionAgeMs: options.max_connection_age * 60_000,
    slowConsumerLimitBytes: options.slow_consumer_limit_kb * 1024,
  };
}
