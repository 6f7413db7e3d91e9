/**
 * The metrics wired to the real hub, as the composition root will: a real SSE stream through
 * `/subscribe_events`, events published on the memory transport, and the statistics endpoints
 * reading what the hub reported to the collector. Real clock, real SQLite file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { optionsSchema } from '../../src/config/config.ts';
import { InvalidTokenError } from '../../src/base/errors.ts';
import { createApp } from '../../src/http/app.ts';
import { Authenticator, type UserResolver } from '../../src/http/auth.ts';
import { Listener } from '../../src/http/listeners.ts';
import { RateLimit } from '../../src/http/rate-limit.ts';
import { connectionsRouter } from '../../src/http/routes/connections.ts';
import { statsRouter } from '../../src/http/routes/stats.ts';
import { subscribeRouter } from '../../src/http/routes/subscribe.ts';
import { StreamEncoder } from '../../src/http/stream-encoder.ts';
import { Hub } from '../../src/hub/hub.ts';
import { MetricsCollector } from '../../src/metrics/collector.ts';
import { MetricsModule } from '../../src/app/monitoring.ts';
import { MetricsStore } from '../../src/metrics/store/store.ts';
import { MemoryTransport } from '../../src/transport/memory.ts';
import type { HubEvent, User } from '../../src/base/types.ts';
import { FakeInterest, FakeStates, FakeUpstream } from '../hub/fakes.ts';
import { testLogger } from '../metrics/helpers.ts';
import { tempDir } from '../metrics/rig.ts';
import { until } from '../until.ts';
import { keepLast } from '../transport/policies.ts';

const TOKEN = 'hub-admin-token-0123456789';
const ADMIN: User = { id: 'admin-id', name: 'Admin', isAdmin: true };
const resolver: UserResolver = {
  async resolve(token) {
    if (token === TOKEN) return ADMIN;
    throw new InvalidTokenError();
  },
};

const temp = tempDir();
const { logger } = testLogger();
const transport = new MemoryTransport({ history: keepLast(100), firstId: 1 });
const collector = new MetricsCollector();
const hub = new Hub({ transport, interest: new FakeInterest(), states: new FakeStates(), upstream: new FakeUpstream(), observer: collector });
const metrics = new MetricsModule({
  options: optionsSchema.parse({}),
  dataDir: temp.dir,
  collector,
  registry: hub,
  monitor: { handlerType: 'memory', instanceId: 'it' },
  replay: transport,
  logger,
});
const auth = new Authenticator({ resolver, trustIngress: false });
const limits = { requests: new RateLimit({ points: 1000, windowSeconds: 60 }), streams: new RateLimit({ points: 1000, windowSeconds: 60 }) };
const app = createApp({
  logger,
  routers: [subscribeRouter({ hub, auth, limits, observer: collector, encoder: new StreamEncoder() }), statsRouter({ auth, stats: metrics.stats }), connectionsRouter({ auth, stats: metrics.stats })],
  corsOrigins: [],
});
const lan = new Listener(app, { name: 'lan', host: '127.0.0.1', port: 0 });
let base = '';

before(async () => {
  await transport.start();
  await hub.start();
  await metrics.start();
  await lan.start();
  base = `http://127.0.0.1:${lan.port}`;
});
after(async () => {
  await lan.stop(200);
  await hub.stop();
  await transport.stop();
  await metrics.stop();
  temp.cleanup();
});

async function get(path: string, method = 'GET') {
  const res = await fetch(base + path, { method, headers: { Authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: (await res.json()) as { data: Record<string, unknown> } };
}


function stateEvent(i: number): HubEvent {
  const now = Date.now();
  return {
    type: 'state_changed',
    data: { entity_id: 'light.kitchen', state: i % 2 ? 'on' : 'off', attributes: {}, old_state: null },
    timestamp: new Date(now).toISOString(),
    entityIds: ['light.kitchen'],
    domains: ['light'],
    firedAt: now - 5,
    receivedAt: now,
  };
}

test('a real stream shows up in stats, connections and metrics, and an admin can close it', async () => {
  const types: string[] = [];
  const es = new EventSource(`${base}/subscribe_events?token=${TOKEN}&events=state_changed`);
  es.onmessage = (e) => types.push((JSON.parse(e.data) as { type: string }).type);
  try {
    await until(() => types.includes('connection'), 'the connection frame');
    for (let i = 0; i < 5; i++) transport.publishSync(stateEvent(i));
    await until(() => types.filter((t) => t === 'state_changed').length === 5, 'five events');

    const stats = await get('/api/sse/stats');
    assert.equal(stats.status, 200);
    assert.equal(stats.body.data.active_connections, 1);
    assert.equal(stats.body.data.total_events_sent, 5);
    assert.equal(stats.body.data.replay_events, 5, 'the replay history holds the five events');
    assert.ok((stats.body.data.replay_bytes as number) > 5 * 40);
    assert.equal(typeof stats.body.data.replay_window_seconds, 'number');

    const list = await get('/api/sse/connections');
    assert.equal(list.body.data.total, 1);
    const [connection] = list.body.data.connections as Record<string, unknown>[];
    assert.equal(connection?.user_id, 'admin-id');
    assert.equal(connection?.state, 'active');
    assert.deepEqual(connection?.subscriptions, [{ event_type: 'state_changed', entity_id: null }]);
    const one = await get(`/api/sse/connections/${String(connection?.id)}`);
    assert.deepEqual(one.body.data.connection, connection);

    const m = (await get('/api/sse/metrics?period=1h')).body.data.metrics as { events: { total: number }; latency: { p99: number }; connections: { current: number } };
    assert.equal(m.events.total, 5);
    assert.equal(m.connections.current, 1);
    assert.ok(m.latency.p99 >= 5, `end-to-end latency includes core's 5 ms: ${m.latency.p99}`);

    const closed = await get(`/api/sse/connections/${String(connection?.id)}`, 'DELETE');
    assert.equal(closed.status, 200);
    await until(async () => (await get('/api/sse/stats')).body.data.active_connections === 0, 'the stream to close');
    assert.equal(collector.totals.closeReasons.admin_closed, 1);
  } finally {
    es.close();
  }
});

test('stopping flushes the partial minute into SQLite', async () => {
  await metrics.stop();
  const store = new MetricsStore({ dataDir: temp.dir, logger });
  store.start();
  const rows = store.range('minute', 0);
  assert.equal(rows.reduce((s, r) => s + r.deliveries, 0), 5);
  assert.equal(rows.reduce((s, r) => s + r.connOpened, 0), 1);
  store.stop();
});
