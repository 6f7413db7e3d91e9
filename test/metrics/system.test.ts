import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performanceInsights } from '../../src/stats/insights.ts';
import { memoryTrend } from '../../src/metrics/memory-trend.ts';
import { SystemSampler, parseNetDev, parseProcIo } from '../../src/metrics/system.ts';
import { FakeClock } from './helpers.ts';
import { FakeProcess } from './rig.ts';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
  eth0:  5000      50    0    0    0     0          0         0     7000      70    0    0    0     0       0          0
`;
const IO = 'rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n';

test('parses /proc/self/net/dev (without loopback) and /proc/self/io', () => {
  assert.deepEqual(parseNetDev(NET_DEV), { rx: 5000, tx: 7000 });
  assert.deepEqual(parseProcIo(IO), { read: 4096, write: 8192 });
});

test('CPU percent from cpuUsage deltas, minute averages and maxima, network and disk deltas', () => {
  const clock = new FakeClock(Date.UTC(2024, 1, 5));
  const proc = new FakeProcess(clock);
  let rx = 5000;
  const sampler = new SystemSampler({
    now: clock.now,
    memoryUsage: proc.memoryUsage,
    cpuUsage: proc.cpuUsage,
    readProcFile: (path) => (path.endsWith('net/dev') ? NET_DEV.replace('5000', String(rx)) : path.endsWith('/io') ? IO : undefined),
    monitorEventLoop: false,
  });
  sampler.start();
  proc.cpuPercent = 20;
  clock.advance(30_000);
  const first = sampler.sample();
  assert.equal(first.cpuPercent, 20);
  proc.cpuPercent = 60;
  proc.rss = 300 * 1024 * 1024;
  rx = 9000;
  clock.advance(30_000);
  const minute = sampler.takeMinute();
  assert.equal(minute.cpuAvg, 40);
  assert.equal(minute.cpuMax, 60);
  assert.equal(minute.memRss, 300 * 1024 * 1024);
  assert.equal(minute.memRssMax, 300 * 1024 * 1024);
  assert.equal(minute.netRxBytes, 4000);
  assert.equal(minute.netTxBytes, 0);
  assert.equal(minute.diskWriteBytes, 0);
  assert.equal(sampler.latest().netRxBytes, 9000);
  assert.equal(sampler.history().length, 2);
  sampler.stop();
});

test('the real process can be sampled (perf_hooks armed)', () => {
  const sampler = new SystemSampler();
  sampler.start();
  const s = sampler.sample();
  assert.ok(s.rss > 0 && s.heapUsed > 0);
  assert.ok(s.elu >= 0 && s.elu <= 1);
  assert.ok(Number.isFinite(s.loopDelayP99Ms));
  sampler.stop();
});

test('memory trend: steady heap growth is a suspected leak; a saw-tooth is not; too few samples give no verdict', () => {
  const t0 = Date.UTC(2024, 1, 5);
  const MiB = 1024 * 1024;
  const growing = Array.from({ length: 60 }, (_, i) => ({ at: t0 + i * 10_000, heapUsed: 50 * MiB + i * 10_000 * 0.2 * MiB / 1000, rss: 100 * MiB }));
  const now = t0 + 59 * 10_000;
  const leak = memoryTrend(growing, now);
  assert.equal(leak.leak_suspected, true);
  assert.ok(Math.abs(leak.growth_bytes_per_second - 0.2 * MiB) < 1);
  assert.match(leak.reason, /grown steadily/);

  const sawTooth = Array.from({ length: 60 }, (_, i) => ({ at: t0 + i * 10_000, heapUsed: 50 * MiB + (i % 6) * 5 * MiB, rss: 100 * MiB }));
  const gc = memoryTrend(sawTooth, now);
  assert.equal(gc.leak_suspected, false);
  assert.equal(gc.heap_used.max, 75 * MiB);
  assert.equal(gc.heap_used.min, 50 * MiB);

  const early = memoryTrend(growing.slice(0, 5), t0 + 40_000);
  assert.equal(early.leak_suspected, false);
  assert.match(early.reason, /Not enough samples/);
});

test('insights: slow processing, large messages, high throughput, failures, blocked loop, leak', () => {
  const quiet = performanceInsights({
    processingP95Ms: 5, processingSamples: 100, averageMessageBytes: 500, deliveriesPerSecond: 3,
    failurePercent: 0, eventLoopDelayP99Ms: 10, eventLoopUtilization: 0.1, leakSuspected: false, leakReason: '',
  });
  assert.deepEqual(quiet, []);
  const busy = performanceInsights({
    processingP95Ms: 250, processingSamples: 100, averageMessageBytes: 20 * 1024, deliveriesPerSecond: 500,
    failurePercent: 3, eventLoopDelayP99Ms: 150, eventLoopUtilization: 0.95, leakSuspected: true, leakReason: 'Heap has grown steadily',
  });
  assert.deepEqual(busy.map((i) => i.code), [
    'slow_processing', 'large_messages', 'high_throughput', 'delivery_failures', 'event_loop_delay', 'event_loop_saturated', 'memory_leak_suspected',
  ]);
  assert.match(busy[0]?.message ?? '', /250 ms/);
  assert.match(busy[1]?.message ?? '', /20\.0 KiB/);
  const fewSamples = performanceInsights({
    processingP95Ms: 900, processingSamples: 3, averageMessageBytes: 0, deliveriesPerSecond: 0,
    failurePercent: 0, eventLoopDelayP99Ms: 0, eventLoopUtilization: 0, leakSuspected: false, leakReason: '',
  });
  assert.deepEqual(fewSamples, [], 'no latency verdict on three samples');
});
