/** The replay history the options ask for (DOCS.md, "Reconnecting and replay"): by age, a minimum count, a byte budget. */
import type { Options } from '../config/config.ts';
import type { ReplayPolicy } from '../transport/transport.ts';

export function replayPolicyOf(options: Options): ReplayPolicy {
  return { windowMs: options.replay_window_minutes * 60_000, minEvents: options.replay_buffer_size, maxBytes: options.replay_buffer_mb * 1024 * 1024 };
}
