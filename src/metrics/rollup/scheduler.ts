/**
 * The metrics clock: samples the process and the socket backlog every few seconds, and at every
 * minute boundary turns the collector's and the sampler's minute into one {@link Rollup}, writes
 * it to the store and keeps the last hour in memory (so 1h figures survive a store that is
 * unavailable). `stop()` flushes the partial minute, so a graceful shutdown loses nothing.
 */
import type { Logger } from '../../base/log.ts';
import type { ConnectionRegistry } from '../../base/types.ts';
import { MINUTE_MS, floorTo, systemTimers, type Now, type TimerHandle, type Timers } from '../clock.ts';
import type { MetricsCollector } from '../collector.ts';
import { mergeRollups, type Rollup } from './record.ts';
import type { SystemSampler } from '../system.ts';

/** Where finished minutes go (implemented by {@link MetricsStore}). */
export interface RollupSink {
  writeMinute(rollup: Rollup): boolean;
}

export interface RollupSchedulerOptions {
  collector: MetricsCollector;
  system: SystemSampler;
  store: RollupSink;
  /** Sampled for the backlog on every tick; optional so the scheduler runs before the hub exists. */
  registry?: Pick<ConnectionRegistry, 'backlogBytes'>;
  logger: Logger;
  /** The clock. Default `Date.now`. */
  now?: Now;
  /** Default: Node's timers (unref'd). */
  timers?: Timers;
  /** Milliseconds between samples of the process and the backlog. Default 5000. */
  sampleIntervalMs?: number;
  /** Finished minutes kept in memory. Default 60. */
  recentMinutes?: number;
  /** Called with every finished minute (after it was stored), e.g. by tests or alert rules. */
  onMinute?: (rollup: Rollup) => void;
}

export class RollupScheduler {
  readonly #options: RollupSchedulerOptions;
  readonly #now: Now;
  readonly #timers: Timers;
  readonly #recent: Rollup[] = [];
  #sampleTimer: TimerHandle | undefined;
  #minuteTimer: TimerHandle | undefined;
  #running = false;

  constructor(options: RollupSchedulerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? systemTimers();
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#options.system.start();
    this.#sampleTimer = this.#timers.setInterval(() => this.sample(), this.#options.sampleIntervalMs ?? 5000);
    this.#armMinute();
  }

  /** Stops the timers and flushes the partial minute. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#timers.clearInterval(this.#sampleTimer);
    this.#timers.clearTimeout(this.#minuteTimer);
    this.flush();
    this.#options.system.stop();
  }

  /** One sampling tick: process figures and the socket backlog. */
  sample(): void {
    try {
      this.#options.system.sample();
      if (this.#options.registry) this.#options.collector.observeBacklog(this.#options.registry.backlogBytes());
    } catch (err) {
      this.#options.logger.warn({ err }, 'metrics sampling failed');
    }
  }

  /** Ends the current minute now: builds its rollup, stores it, remembers it. Returns the rollup. */
  flush(): Rollup {
    if (this.#options.registry) this.#options.collector.observeBacklog(this.#options.registry.backlogBytes());
    const traffic = this.#options.collector.takeMinute();
    const resources = this.#options.system.takeMinute();
    const rollup: Rollup = {
      ts: floorTo(traffic.start, MINUTE_MS),
      durationMs: traffic.durationMs,
      ...traffic.traffic,
      ...resources,
    };
    this.#options.store.writeMinute(rollup);
    this.#remember(rollup);
    try {
      this.#options.onMinute?.(rollup);
    } catch (err) {
      this.#options.logger.warn({ err }, 'minute listener failed');
    }
    return rollup;
  }

  /** The finished minutes kept in memory, oldest first. */
  recent(): readonly Rollup[] {
    return this.#recent;
  }

  #remember(rollup: Rollup): void {
    const last = this.#recent[this.#recent.length - 1];
    if (last && last.ts === rollup.ts) this.#recent[this.#recent.length - 1] = mergeRollups(last, rollup);
    else this.#recent.push(rollup);
    while (this.#recent.length > (this.#options.recentMinutes ?? 60)) this.#recent.shift();
  }

  #armMinute(): void {
    const now = this.#now();
    const delay = floorTo(now, MINUTE_MS) + MINUTE_MS - now;
    this.#minuteTimer = this.#timers.setTimeout(() => {
      if (!this.#running) return;
      try {
        this.flush();
      } catch (err) {
        this.#options.logger.error({ err }, 'minute rollup failed');
      }
      this.#armMinute();
    }, delay);
  }
}
