/**
 * Old data directories stay readable: `test/fixtures/data-v1/metrics.db` is a database written by
 * SSE Hub at schema version 1 (a minute rollup and an alert threshold override). Opened by this
 * version it is migrated in place, keeps what it held, and gains `known_client` (migration 2).
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { attachAlertRecords } from '../../src/alerts/records.ts';
import { SCHEMA_VERSION } from '../../src/metrics/store/schema.ts';
import { MetricsStore } from '../../src/metrics/store/store.ts';
import { attachKnownClients } from '../../src/stats/known-clients.ts';
import { testLogger } from './helpers.ts';
import { tempDir } from './rig.ts';

const FIXTURE = new URL('../fixtures/data-v1/metrics.db', import.meta.url).pathname;
const NOW = Date.UTC(2026, 10, 20, 12);
const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((cleanup) => cleanup()));

test('a version 1 database is migrated and keeps its rollups and thresholds; known clients survive a reopen', () => {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  copyFileSync(FIXTURE, join(dir, 'metrics.db'));
  const before = new Database(join(dir, 'metrics.db'), { readonly: true });
  assert.equal((before.prepare('SELECT version FROM schema_version').get() as { version: number }).version, 1, 'the fixture is a version 1 file');
  before.close();

  const open = () => {
    const store = new MetricsStore({ dataDir: dir, logger: testLogger().logger, now: () => NOW });
    const alerts = attachAlertRecords(store);
    const clients = attachKnownClients(store);
    store.start();
    return { store, alerts, clients };
  };
  const first = open();
  assert.equal(first.store.available, true);
  const minute = first.store.read('minute', NOW - 60_000);
  assert.equal(minute?.eventsIn, 42, 'the old rollup is readable');
  assert.deepEqual(first.alerts.use((a) => a.loadOverrides()), { latency_p95_ms: 250 });
  assert.deepEqual(first.clients.use((c) => c.all()), []);
  first.clients.use((c) => c.seen('kitchen_tablet', NOW, '192.168.1.20', 'Tablet'));
  first.store.stop();

  const db = new Database(join(dir, 'metrics.db'), { readonly: true });
  assert.equal((db.prepare('SELECT version FROM schema_version').get() as { version: number }).version, SCHEMA_VERSION);
  db.close();
  const second = open();
  assert.deepEqual(second.clients.use((c) => c.all()), [
    { name: 'kitchen_tablet', firstSeen: NOW, lastSeen: NOW, address: '192.168.1.20', userAgent: 'Tablet' },
  ]);
  second.store.stop();
});
