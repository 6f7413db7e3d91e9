/**
 * Timers as a dependency: the modules that schedule work (the hub, the metrics, the alerts) take a
 * {@link Timers} so tests drive seconds and hours with a fake clock instead of waiting.
 */

/** An opaque timer handle. */
export type TimerHandle = unknown;

/** The subset of the timer functions the modules use. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

/** Node's timers, unref'd: bookkeeping never keeps the process alive on its own. */
export function systemTimers(): Timers {
  return {
    setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    setInterval: (fn, ms) => setInterval(fn, ms).unref(),
    clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
  };
}
