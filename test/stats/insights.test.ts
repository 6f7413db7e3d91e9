/** The stats read model's derived answers: the memory trend and the performance insights. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performanceInsights } from '../../src/stats/insights.ts';
import { memoryTrend } from '../../src/stats/memory-trend.ts';

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
