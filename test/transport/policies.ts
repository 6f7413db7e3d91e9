/** Replay policies for tests: keep by count only, so tests that count events need no clock. */
import type { ReplayPolicy } from '../../src/transport/transport.ts';

/** Keeps exactly the newest `events` events, whatever their age or size. */
export function keepLast(events: number): ReplayPolicy {
  return { windowMs: 0, minEvents: events, maxBytes: Number.MAX_SAFE_INTEGER };
}
