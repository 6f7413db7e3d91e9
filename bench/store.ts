/**
 * Metrics store benchmark: fills `--days` (default 30) of per-minute rollups through the real
 * write path (one transaction per minute, merged into hour rows, retention applied) into a real
 * SQLite file in a temp directory, then times the period queries the endpoints make
 * (`StatsService.metrics` and `.history` for 1h/24h/7d/30d). Target: 30d metrics ≤ 5 ms.
 *
 *   npm run bench -- store [--days 30] [--iterations 50]
 *   npx tsx bench/store.ts [--days 30] [--iterations 50]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLogger } from '../src/base/log.ts';
import { DAY_MS, MINUTE_MS } from '../src/metrics/clock.ts';
import { MetricsCollector } from '../src/metrics/collector.ts';
import { LatencyHistogram } from '../src/metrics/histogram/histogram.ts';
import { PERIODS } from '../src/metrics/period.ts';
import { emptyRollup, type Rollup } from '../src/metrics/rollup/record.ts';
import { StatsService } from '../src/stats/service.ts';
import { MetricsStore } from '../src/metrics/store/store.ts';
import { SystemSampler } from '../src/metrics/system.ts';
import type { ConnectionRegistry } from '../src/base/types.ts';
import { seededRandom } from './seeded-random.ts';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`--${name} must be a positive number`);
  return value;
}

/** One busy minute: 200–800 deliveries, latencies mostly 1–60 ms with a long tail. */
function minute(ts: number, rand: () => number): Rollup {
  const r = emptyRollup(ts);
  r.durationMs = MINUTE_MS;
  r.deliveries = 200 + Math.floor(rand() * 600);
  r.eventsIn = Math.ceil(r.deliveries / 4);
  r.bytesOut = r.deliveries * 350;
  r.connCurrent = r.connMax = 20 + Math.floor(rand() * 30);
  r.connAvg = r.connCurrent - rand();
  r.rateMax = r.deliveries / 60;
  r.latency = new LatencyHistogram();
  r.hubLatency = new LatencyHistogram();
  for (let left = r.deliveries; left > 0; ) {
    const n = Math.min(left, 1 + Math.floor(rand() * 20));
    const tail = rand() < 0.02 ? 500 + rand() * 4000 : 0;
    r.latency.record(1 + -Math.log(1 - rand()) * 15 + tail, n);
    r.hubLatency.record(rand() * 3, n);
    left -= n;
  }
  r.eventTypes = { state_changed: r.eventsIn - 3, call_service: 2, automation_triggered: 1 };
  r.memRss = r.memRssMax = 120e6 + rand() * 10e6;
  r.heapUsed = r.heapUsedMax = 40e6 + rand() * 5e6;
  r.cpuAvg = 2 + rand() * 5;
  r.cpuMax = r.cpuAvg + rand() * 10;
  return r;
}

function timings(fn: () => unknown, iterations: number): { median: number; p95: number; max: number } {
  for (let i = 0; i < 3; i++) fn();
  const ms: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    fn();
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0;
  return { median: at(0.5), p95: at(0.95), max: ms[ms.length - 1] ?? 0 };
}

export async function run(args: string[]): Promise<void> {
  const days = option(args, 'days', 30);
  const iterations = option(args, 'iterations', 50);
  const dir = mkdtempSync(join(tmpdir(), 'sse-hub-bench-store-'));
  const logger = createLogger({ level: 'warning' });
  const end = Date.UTC(2024, 1, 5);
  let now = end - days * DAY_MS;
  const clock = () => now;
  const store = new MetricsStore({ dataDir: dir, retentionDays: 30, now: clock, logger });
  try {
    store.start();
    if (!store.available) throw new Error(`store unavailable: ${store.unavailableReason}`);
    const rand = seededRandom(42);
    const minutes = days * 1440;
    const writeStart = performance.now();
    for (let m = 0; m < minutes; m++) {
      const r = minute(now, rand);
      now += MINUTE_MS;
      store.writeMinute(r);
    }
    const writeMs = performance.now() - writeStart;
    const registry: ConnectionRegistry = { list: () => [], get: () => undefined, close: () => false, backlogBytes: () => 0, notifyAdmins: () => undefined };
    const stats = new StatsService({
      collector: new MetricsCollector({ now: clock }),
      system: new SystemSampler({ now: clock, monitorEventLoop: false }),
      store,
      recent: () => [],
      registry,
      monitor: { handlerType: 'memory', instanceId: 'bench' },
      now: clock,
    });
    const size = ['metrics.db', 'metrics.db-wal'].reduce((s, f) => s + (statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0), 0);
    console.log(`store bench: ${days} days = ${minutes} minute rollups written in ${(writeMs / 1000).toFixed(2)} s ` +
      `(${((writeMs / minutes) * 1000).toFixed(0)} µs per minute transaction); file ${(size / 1e6).toFixed(1)} MB; ` +
      `rows kept: ${store.range('minute', 0).length} minutes, ${store.range('hour', 0).length} hours`);
    console.log(`Node ${process.version}, ${iterations} iterations after 3 warm-up runs; times in ms\n`);
    console.log('period  rows   metrics median / p95 / max      history median / p95 / max');
    for (const period of PERIODS) {
      const rows = stats.history(period).points.length;
      const m = timings(() => stats.metrics(period), iterations);
      const h = timings(() => stats.history(period), iterations);
      const f = (t: { median: number; p95: number; max: number }) =>
        `${t.median.toFixed(2).padStart(6)} / ${t.p95.toFixed(2).padStart(6)} / ${t.max.toFixed(2).padStart(6)}`;
      console.log(`${period.padEnd(6)}  ${String(rows).padStart(5)}  ${f(m)}      ${f(h)}`);
    }
    const thirty = timings(() => stats.metrics('30d'), iterations);
    console.log(`\n30d metrics median ${thirty.median.toFixed(2)} ms (target ≤ 5 ms): ${thirty.median <= 5 ? 'met' : 'NOT met'}`);
  } finally {
    store.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
