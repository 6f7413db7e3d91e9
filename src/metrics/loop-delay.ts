/**
 * Event-loop delay: how late the loop runs a timer that was due, in milliseconds.
 *
 * `perf_hooks.monitorEventLoopDelay({ resolution })` arms a repeating libuv timer every `resolution`
 * ms and records, on each tick, the whole time since the previous tick (Node's
 * `Histogram::RecordDelta`), not the part past the due time. On an idle loop with the default
 * 20 ms resolution every recorded value is therefore 20 ms plus the timer's own slack (min
 * ~20.1, p99 ~22–24 ms), which the panel used to show as a 21–24 ms "delay" of a loop doing
 * nothing (measured on Node 20 with the loop idle for 2 s: resolution 20 → min 20.09, p99 22.61;
 * resolution 10 → min 9.05, p99 12.97; resolution 1 → min 1.04, p99 1.28 ms). The delay proper is
 * the recorded interval minus the resolution, clamped at zero.
 *
 * Lifecycle: the constructor does nothing; `start()` arms the monitor, `stop()` disarms it.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** The part of an event-loop delay histogram this monitor reads (values in nanoseconds). */
export type DelayHistogram = Pick<IntervalHistogram, 'enable' | 'disable' | 'reset' | 'percentile' | 'mean' | 'max' | 'count'>;

export interface LoopDelayOptions {
  /**
   * Milliseconds between the monitor's timer ticks. Default 100: 10 wake-ups a second. At 20 (50
   * wake-ups a second) the monitor was most of what an idle add-on cost: `npm run bench -- idle`
   * with 0 streams measured 2.66–3.66 ms of CPU per second at 20 against 1.33 at 100 (issue 23,
   * bench/RESULTS.md). A block shorter than the resolution is seen only when a tick falls due
   * inside it; blocks that matter (tens of ms and more) are seen either way.
   */
  resolutionMs?: number;
  /** Creates the histogram. Default `perf_hooks.monitorEventLoopDelay`; tests pass a fake. */
  createHistogram?: (resolutionMs: number) => DelayHistogram;
}

export interface LoopDelay {
  meanMs: number;
  p99Ms: number;
  maxMs: number;
}

export class LoopDelayMonitor {
  readonly resolutionMs: number;
  readonly #create: (resolutionMs: number) => DelayHistogram;
  #histogram: DelayHistogram | undefined;

  constructor(options: LoopDelayOptions = {}) {
    this.resolutionMs = options.resolutionMs ?? 100;
    this.#create = options.createHistogram ?? ((resolution) => monitorEventLoopDelay({ resolution }));
  }

  start(): void {
    if (this.#histogram) return;
    this.#histogram = this.#create(this.resolutionMs);
    this.#histogram.enable();
  }

  stop(): void {
    this.#histogram?.disable();
    this.#histogram = undefined;
  }

  /** The delay since the previous `take()` (zeros before any tick), then starts a new interval. */
  take(): LoopDelay {
    const h = this.#histogram;
    if (!h || h.count === 0) {
      h?.reset();
      return { meanMs: 0, p99Ms: 0, maxMs: 0 };
    }
    const delay = { meanMs: this.#lateMs(h.mean), p99Ms: this.#lateMs(h.percentile(99)), maxMs: this.#lateMs(h.max) };
    h.reset();
    return delay;
  }

  /** A recorded tick interval (ns) as lateness past the due time (ms). */
  #lateMs(intervalNs: number): number {
    if (!Number.isFinite(intervalNs)) return 0;
    return Math.max(0, intervalNs / 1e6 - this.resolutionMs);
  }
}
