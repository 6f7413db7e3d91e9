/**
 * LoopDelayMonitor reports how late the loop ran a due timer, not the whole tick interval that
 * perf_hooks records (src/metrics/loop-delay.ts): checked with a fake histogram holding known tick
 * intervals, and with the real monitor against a loop blocked on purpose.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DelayHistogram, LoopDelayMonitor } from '../../src/metrics/loop-delay.ts';

/** A histogram holding fixed tick intervals (ms), answering like perf_hooks' (ns). */
function fakeHistogram(intervalsMs: number[]): DelayHistogram & { resets: number } {
  const ns = intervalsMs.map((ms) => ms * 1e6).sort((a, b) => a - b);
  const fake = {
    resets: 0,
    enable: () => true,
    disable: () => true,
    reset() {
      fake.resets++;
      ns.length = 0;
    },
    get count() {
      return ns.length;
    },
    get mean() {
      return ns.length ? ns.reduce((a, b) => a + b, 0) / ns.length : NaN;
    },
    get max() {
      return ns.at(-1) ?? 0;
    },
    percentile: (p: number) => ns[Math.min(ns.length - 1, Math.ceil((p / 100) * ns.length) - 1)] ?? 0,
  };
  return fake;
}

test('tick intervals become lateness past the due time: the resolution is taken off, never below zero', () => {
  const histogram = fakeHistogram([20.5, 21, 19.8, 20.2, 80]);
  const monitor = new LoopDelayMonitor({ resolutionMs: 20, createHistogram: () => histogram });
  monitor.start();
  const delay = monitor.take();
  assert.equal(delay.maxMs, 60, 'an 80 ms tick of a 20 ms timer is 60 ms late');
  assert.equal(delay.p99Ms, 60);
  assert.ok(Math.abs(delay.meanMs - (20.5 + 21 + 19.8 + 20.2 + 80) / 5 + 20) < 1e-9, `mean ${String(delay.meanMs)}`);
  assert.equal(histogram.resets, 1, 'each take() starts a new interval');
  assert.deepEqual(monitor.take(), { meanMs: 0, p99Ms: 0, maxMs: 0 }, 'no tick since: zeros, not NaN');
  const early = fakeHistogram([19.5, 19.9]);
  const second = new LoopDelayMonitor({ resolutionMs: 20, createHistogram: () => early });
  second.start();
  assert.deepEqual(second.take(), { meanMs: 0, p99Ms: 0, maxMs: 0 }, 'a tick that came early is not a negative delay');
});

test('the real monitor: an idle loop is not reported as one resolution late, a blocked loop is', async () => {
  const monitor = new LoopDelayMonitor({ resolutionMs: 20 });
  assert.deepEqual(monitor.take(), { meanMs: 0, p99Ms: 0, maxMs: 0 }, 'not started: zeros');
  monitor.start();
  try {
    // Let the loop idle for a dozen ticks.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const idle = monitor.take();
    // The raw perf_hooks values are at least the resolution by construction (20.1 ms and up when idle).
    assert.ok(idle.meanMs < monitor.resolutionMs, `idle mean ${String(idle.meanMs)} ms`);
    // perf_hooks forgets the previous tick on reset: let one tick pass before blocking.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const blockedUntil = performance.now() + 80;
    while (performance.now() < blockedUntil) {
      // a synchronous 80 ms block: the next tick is at least 60 ms late
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(monitor.take().maxMs >= 60, 'the block shows as delay');
  } finally {
    monitor.stop();
  }
});
