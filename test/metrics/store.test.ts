import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HOUR_MS, MINUTE_MS } from '../../src/metrics/clock.ts';
import { LatencyHistogram } from '../../src/metrics/histogram/histogram.ts';
import { emptyRollup } from '../../src/metrics/rollup/record.ts';
import { SCHEMA_VERSION } from '../../src/metrics/store/schema.ts';
import { MetricsStore } from '../../src/metrics/store/store.ts';
import { FakeClock, flushLogs, snapshot, testLogger } from './helpers.ts';
import { createRig, tempDir } from './rig.ts';

const T0 = Date.UTC(2024, 1, 5, 10, 0, 30); // 30 s into a minute
const dirs: (() => void)[] = [];
after(() => dirs.forEach((cleanup) => cleanup()));
function dir(): string {
  const t = tempDir();
  dirs.push(t.cleanup);
  return t.dir;
}

test('rollups across simulated minutes and hours: minute rows, hour rows, partial minutes', () => {
  const clock = new FakeClock(T0);
  const rig = createRig({ dir: dir(), clock });
  rig.start();
  assert.equal(rig.store.available, true);
  // 150 minutes; minute m gets m % 5 + 1 deliveries to 2 sockets each; a connection opens in minute 0.
  rig.collector.connectionOpened(snapshot({ connectedAt: T0 }));
  clock.advance(30_000); // to the first boundary: the first minute is a 30 s partial
  for (let m = 0; m < 150; m++) {
    clock.advance(10_000);
    for (let i = 0; i < (m % 5) + 1; i++) rig.deliver(20, 2, 50);
    clock.advance(50_000);
  }
  clock.advance(15_000);
  rig.stop(); // flushes the 15 s partial minute

  const minutes = new MetricsStore({ dataDir: rig.store.path.replace(/\/metrics\.db$/, ''), now: clock.now, logger: rig.logger });
  minutes.start();
  const rows = minutes.range('minute', 0);
  assert.equal(rows.length, 152, 'first partial + 150 full + last partial');
  assert.equal(rows[0]?.ts, T0 - 30_000);
  assert.equal(rows[0]?.durationMs, 30_000);
  assert.equal(rows[0]?.deliveries, 0);
  assert.equal(rows[1]?.deliveries, 2);
  assert.equal(rows[5]?.deliveries, 10);
  assert.equal(rows[151]?.durationMs, 15_000);
  assert.ok(rows.every((r, i) => i === 0 || r.ts - (rows[i - 1]?.ts ?? 0) === MINUTE_MS), 'one row per minute');
  assert.ok(rows.every((r) => r.connMax === 1 && r.connAvg === 1));

  const hours = minutes.range('hour', 0);
  assert.deepEqual(hours.map((h) => new Date(h.ts).toISOString()), ['2024-02-05T10:00:00.000Z', '2024-02-05T11:00:00.000Z', '2024-02-05T12:00:00.000Z']);
  for (const hour of hours) {
    const inHour = rows.filter((r) => r.ts >= hour.ts && r.ts < hour.ts + HOUR_MS);
    assert.equal(hour.deliveries, inHour.reduce((s, r) => s + r.deliveries, 0));
    assert.equal(hour.durationMs, inHour.reduce((s, r) => s + r.durationMs, 0));
    assert.equal(hour.rateMax, Math.max(...inHour.map((r) => r.rateMax)));
  }
  const total = rows.reduce((s, r) => s + r.deliveries, 0);
  assert.equal(total, rig.collector.totals.deliveries);
  const full = minutes.read('hour', hours[1]?.ts ?? 0);
  assert.equal(full?.eventTypes.state_changed, hours[1]?.eventsIn);
  assert.equal(full?.hubLatency.count, hours[1]?.deliveries);
  minutes.stop();
});

test('exact p50/p95/p99 of a known distribution spread over 1000 minutes, for 24h (minutes) and 7d (hours)', () => {
  const clock = new FakeClock(Date.UTC(2024, 1, 5, 0, 0, 0));
  const rig = createRig({ dir: dir(), clock });
  rig.start();
  // Latencies 1..1000 ms, each exactly once, one per minute in a scrambled order.
  for (let m = 0; m < 1000; m++) {
    clock.advance(1000);
    rig.deliver(((m * 7919) % 1000) + 1);
    clock.advance(59_000);
  }
  const day = rig.stats.metrics('24h');
  assert.deepEqual(day.metrics.latency, { p50: 500, p95: 950, p99: 990 });
  assert.equal(day.metrics.events.total, 1000);
  const week = rig.stats.metrics('7d');
  assert.deepEqual(week.metrics.latency, { p50: 500, p95: 950, p99: 990 });
  // It is 16:40:00: 1h holds the current (empty) minute and the 59 before it.
  const hour = rig.stats.metrics('1h');
  assert.equal(hour.metrics.events.total, 59);
  // Averaging per-minute p99s (each minute has one sample) would report about 500 — the wrong answer.
  const history = rig.stats.history('24h');
  const averagedP99 = history.points.reduce((s, p) => s + p.latency_p99, 0) / history.points.length;
  assert.ok(Math.abs(averagedP99 - 500.5) < 1);
  rig.stop();
});

test('metrics include the live minute; period windows hold exactly their buckets', () => {
  const clock = new FakeClock(Date.UTC(2024, 1, 5, 12, 0, 0));
  const rig = createRig({ dir: dir(), clock });
  rig.start();
  for (let m = 0; m < 120; m++) {
    rig.deliver(5, 3);
    clock.advance(MINUTE_MS);
  }
  rig.deliver(7, 4); // live, not flushed
  const h1 = rig.stats.metrics('1h');
  assert.equal(h1.metrics.events.total, 59 * 3 + 4, '59 stored minutes + the live one');
  assert.equal(rig.stats.history('1h').points.length, 59);
  assert.equal(rig.stats.metrics('24h').metrics.events.total, 120 * 3 + 4);
  assert.equal(rig.stats.history('7d').points.length, 2);
  assert.equal(rig.stats.history('7d').resolution, 'hour');
  rig.stop();
});

test('history survives a restart (real SQLite file); a restart inside a minute merges that minute', () => {
  const where = dir();
  const clock = new FakeClock(Date.UTC(2024, 1, 5, 8, 0, 0));
  const first = createRig({ dir: where, clock });
  first.start();
  for (let m = 0; m < 90; m++) {
    first.deliver(m % 10, 1);
    clock.advance(MINUTE_MS);
  }
  clock.advance(20_000);
  first.deliver(3, 5); // in the partial minute flushed by stop()
  const before = first.stats.metrics('24h').metrics;
  first.stop();

  clock.advance(10_000); // same minute
  const second = createRig({ dir: where, clock });
  second.start();
  second.deliver(3, 2);
  clock.advance(30_000); // to the boundary: the rest of that minute is flushed
  const history = second.stats.history('24h');
  assert.equal(history.history_available, true);
  assert.equal(history.points.length, 91);
  const last = history.points[90];
  assert.equal(last?.events_sent, 7, 'both parts of the minute, merged');
  assert.equal(last?.duration_seconds, 50, '20 s before the restart + 30 s after');
  const after = second.stats.metrics('24h').metrics;
  assert.equal(after.events.total, before.events.total + 2);
  assert.deepEqual(after.latency, before.latency);
  second.stop();
});

test('retention: minute rows beyond 48 h and hour rows beyond metrics_retention_days are pruned', () => {
  const clock = new FakeClock(Date.UTC(2024, 1, 1));
  const { logger } = testLogger();
  const store = new MetricsStore({ dataDir: dir(), retentionDays: 3, now: clock.now, logger });
  store.start();
  const write = (ts: number) => {
    clock.set(ts + MINUTE_MS);
    const r = emptyRollup(ts);
    r.durationMs = MINUTE_MS;
    r.deliveries = 1;
    assert.equal(store.writeMinute(r), true);
  };
  const day = 24 * HOUR_MS;
  write(Date.UTC(2024, 1, 1));
  write(Date.UTC(2024, 1, 2));
  assert.equal(store.range('minute', 0).length, 2);
  write(Date.UTC(2024, 1, 3, 12));
  assert.equal(store.range('minute', 0).length, 2, 'the minute of Feb 1 is older than 48 h');
  assert.equal(store.range('hour', 0).length, 3);
  write(Date.UTC(2024, 1, 1) + 4 * day - 2 * MINUTE_MS); // now: Feb 4, 23:59
  assert.deepEqual(store.range('hour', 0).map((r) => new Date(r.ts).getUTCDate()), [2, 3, 4], 'Feb 2 00:00 is not yet 3 days old');
  write(Date.UTC(2024, 1, 1) + 4 * day); // now: Feb 5, 00:01
  assert.deepEqual(store.range('hour', 0).map((r) => new Date(r.ts).getUTCDate()), [3, 4, 5]);
  store.stop();
});

test('a corrupt database file gives a clear error log; the service keeps answering with live data', async () => {
  const where = dir();
  writeFileSync(join(where, 'metrics.db'), 'this is not a database '.repeat(400));
  const clock = new FakeClock(Date.UTC(2024, 1, 5, 12, 0, 0));
  const rig = createRig({ dir: where, clock });
  rig.start();
  await flushLogs();
  assert.equal(rig.store.available, false);
  assert.match(rig.store.unavailableReason ?? '', /corrupt/);
  const log = rig.logText();
  assert.match(log, /metrics history disabled/);
  assert.match(log, /SQLITE_NOTADB/);
  assert.ok(log.includes(join(where, 'metrics.db')), 'the log names the file');
  assert.match(log, /keeps running with live statistics only/);

  for (let m = 0; m < 5; m++) {
    rig.deliver(4, 2);
    clock.advance(MINUTE_MS);
  }
  assert.equal(rig.stats.stats().total_events_sent, 10);
  const metrics = rig.stats.metrics('1h');
  assert.equal(metrics.metrics.events.total, 10, 'from the minutes kept in memory');
  assert.deepEqual(metrics.metrics.latency, { p50: 4, p95: 4, p99: 4 });
  const history = rig.stats.history('7d');
  assert.equal(history.history_available, false);
  assert.equal(history.points.length, 1);
  assert.equal(history.points[0]?.events_sent, 10);
  rig.stop();
});

test('a database locked by another process makes the store unavailable with a lock message', async () => {
  const where = dir();
  const holder = new Database(join(where, 'metrics.db'));
  holder.pragma('locking_mode = EXCLUSIVE');
  holder.exec('CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);');
  try {
    const { logger, text } = testLogger();
    const store = new MetricsStore({ dataDir: where, busyTimeoutMs: 50, logger });
    store.start();
    await flushLogs();
    assert.equal(store.available, false);
    assert.match(text(), /SQLITE_BUSY/);
    assert.match(store.unavailableReason ?? '', /lock/);
    assert.equal(store.writeMinute(emptyRollup(0)), false);
    assert.deepEqual(store.range('minute', 0), []);
    assert.equal(store.attach(() => ({ prune() {} })).use(() => 1), undefined);
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
  }
});

test('migrations: a new file gets the current schema version; a newer version is refused clearly', async () => {
  const where = dir();
  const { logger, text } = testLogger();
  const store = new MetricsStore({ dataDir: where, logger });
  store.start();
  store.stop();
  const db = new Database(join(where, 'metrics.db'));
  assert.equal((db.prepare('SELECT version FROM schema_version').get() as { version: number }).version, SCHEMA_VERSION);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION + 1);
  db.close();
  const again = new MetricsStore({ dataDir: where, logger });
  again.start();
  await flushLogs();
  assert.equal(again.available, false);
  assert.match(text(), /newer than this version/);
});

test('a rollup with histograms written and read back is identical', () => {
  const { logger } = testLogger();
  const store = new MetricsStore({ dataDir: dir(), logger, now: () => Date.UTC(2024, 1, 5) });
  store.start();
  const r = emptyRollup(Date.UTC(2024, 1, 5));
  r.durationMs = MINUTE_MS;
  r.latency = new LatencyHistogram();
  r.latency.record(12, 4);
  r.latency.record(3000, 1);
  r.eventTypes = { state_changed: 4, call_service: 1 };
  r.errors = { slow_consumer: 2 };
  r.closeReasons = { client_closed: 1 };
  r.cpuAvg = 12.5;
  store.writeMinute(r);
  const back = store.read('minute', r.ts);
  assert.ok(back);
  assert.deepEqual(back.latency.percentiles(), r.latency.percentiles());
  assert.deepEqual(back.eventTypes, r.eventTypes);
  assert.deepEqual(back.errors, r.errors);
  assert.equal(back.cpuAvg, 12.5);
  store.stop();
});

test('an unreadable histogram in a row is skipped with a warning; the rest of the period still counts', async () => {
  const where = dir();
  const clock = new FakeClock(Date.UTC(2024, 1, 5, 12, 0, 0));
  const { logger, text } = testLogger();
  const store = new MetricsStore({ dataDir: where, now: clock.now, logger });
  store.start();
  for (const [i, v] of [5, 6, 7].entries()) {
    const r = emptyRollup(Date.UTC(2024, 1, 5, 11, i));
    r.durationMs = MINUTE_MS;
    r.deliveries = 1;
    r.latency.record(v);
    store.writeMinute(r);
  }
  store.stop();
  const db = new Database(join(where, 'metrics.db'));
  db.prepare('UPDATE rollup_minute SET latency = ? WHERE ts = ?').run(Buffer.from([1, 2, 3]), Date.UTC(2024, 1, 5, 11, 1));
  db.close();
  store.start();
  const aggregate = store.aggregate('minute', 0);
  assert.equal(aggregate?.deliveries, 3);
  assert.equal(aggregate?.latency.count, 2);
  assert.deepEqual(aggregate?.latency.toHistogram().quantiles([0, 1]), [5, 7]);
  await flushLogs();
  assert.match(text(), /skipping an unreadable latency histogram/);
  assert.equal(store.available, true);
  store.stop();
});
