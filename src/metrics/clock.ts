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

/** An opaque timer handle. */
export type TimerHandle = unknown;

/** The subset of the timer functions the metrics modules use. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

/** Node's timers, unref'd: metrics bookkeeping never keeps the process alive on its own. */
export function systemTimers(): Timers {
  return {
    setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    setInterval: (fn, ms) => setInterval(fn, ms).unref(),
    clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
  };
}

/** The start of the bucket of size `size` that contains `t`. */
export function floorTo(t: number, size: number): number {
  return Math.floor(t / size) * size;
}
