import { test } from 'node:test';
import assert from 'node:assert/strict';
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
