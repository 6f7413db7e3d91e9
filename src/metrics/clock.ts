/**
 * Time for the metrics modules: every part takes a `now` function and a {@link Timers} so tests
 * drive minutes and hours with a fake clock instead of waiting.
 */

/** Milliseconds since the epoch, like `Date.now`. */
export type Now = () => number;

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

// Timers live beside the modules that share them (the hub takes them too); re-exported for metrics.
export { type TimerHandle, type Timers, systemTimers } from '../base/timers.ts';

/** The start of the bucket of size `size` that contains `t`. */
export function floorTo(t: number, size: number): number {
  return Math.floor(t / size) * size;
}
