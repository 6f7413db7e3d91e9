/**
 * A metrics rig on a fake clock: collector, system sampler with fake sources, a real SQLite store
 * in a temp directory, the rollup scheduler and the stats service, wired like MetricsModule.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsCollector } from '../../src/metrics/collector.ts';
import { RollupScheduler } from '../../src/metrics/rollup/scheduler.ts';
import { StatsService } from '../../src/stats/service.ts';
import { MetricsStore, type MetricsStoreOptions } from '../../src/metrics/store/store.ts';
import { SystemSampler } from '../../src/metrics/system.ts';
import { type FakeClock, FakeRegistry, hubEvent, testLogger } from './helpers.ts';

/** Fake process figures: memory is settable; CPU advances by `cpuPerSecondMicros` of real time. */
export class FakeProcess {
  rss = 100 * 1024 * 1024;
  heapUsed = 40 * 1024 * 1024;
  cpuPercent = 10;
  #cpu = 0;
  #last: number;

  constructor(private readonly clock: FakeClock) {
    this.#last = clock.now();
  }

  memoryUsage = (): NodeJS.MemoryUsage => ({ rss: this.rss, heapUsed: this.heapUsed, heapTotal: this.heapUsed * 2, external: 0, arrayBuffers: 0 });

  cpuUsage = (): NodeJS.CpuUsage => {
    const now = this.clock.now();
    this.#cpu += (now - this.#last) * 10 * this.cpuPercent; // µs: ms × 1000 × percent/100
    this.#last = now;
    return { user: this.#cpu, system: 0 };
  };
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sse-hub-metrics-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RigOptions {
  dir: string;
  clock: FakeClock;
  store?: Partial<MetricsStoreOptions>;
}

export function createRig({ dir, clock, store: storeOptions }: RigOptions) {
  const { logger, lines, text } = testLogger();
  const registry = new FakeRegistry();
  const proc = new FakeProcess(clock);
  const collector = new MetricsCollector({ now: clock.now });
  const system = new SystemSampler({
    now: clock.now,
    memoryUsage: proc.memoryUsage,
    cpuUsage: proc.cpuUsage,
    readProcFile: () => undefined,
    monitorEventLoop: false,
  });
  const store = new MetricsStore({ dataDir: dir, now: clock.now, logger, ...storeOptions });
  const rollup = new RollupScheduler({ collector, system, store, registry, logger, now: clock.now, timers: clock });
  const stats = new StatsService({
    collector,
    system,
    store,
    recent: () => rollup.recent(),
    registry,
    monitor: { handlerType: 'memory', instanceId: 'test-instance' },
    now: clock.now,
  });
  return {
    logger,
    lines,
    logText: text,
    registry,
    proc,
    collector,
    system,
    store,
    rollup,
    stats,
    start() {
      store.start();
      rollup.start();
    },
    stop() {
      rollup.stop();
      store.stop();
    },
    /** Delivers one event written now with the given end-to-end latency to `count` sockets. */
    deliver(latencyMs: number, count = 1, bytes = 100) {
      const now = clock.now();
      const event = hubEvent(now - latencyMs, now - 1);
      collector.eventReceived(event);
      collector.delivered(event, count, bytes, now);
    },
  };
}

export type Rig = ReturnType<typeof createRig>;
