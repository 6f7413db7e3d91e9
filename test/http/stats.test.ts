import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MINUTE_MS } from '../../src/metrics/clock.ts';
import { snapshot } from '../metrics/helpers.ts';
import { ADMIN_TOKEN, T0, USER_TOKEN, startStatsServer, type StatsServer } from './stats-harness.ts';

let s: StatsServer;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
const keys = (o: unknown) => Object.keys(o as object).sort();

before(async () => {
  s = await startStatsServer();
  const { rig, clock } = s;
  rig.registry.add(
    snapshot({
      id: 'conn_123', clientId: 'client_456', userId: 'user_789', connectedAt: T0, lastEventAt: T0 + 300_000, eventsSent: 150,
      subscriptions: [{ eventType: 'state_changed', entityId: 'light.living_room' }, { eventType: 'call_service', entityId: null }],
    }),
  );
  rig.registry.add(snapshot({ id: 'conn_2', userId: 'user_789', ipAddress: '10.0.0.9' }));
  rig.registry.add(snapshot({ id: 'conn_3', userId: 'user_1' }));
  rig.registry.backlog = 2048;
  for (const c of rig.registry.list()) rig.collector.connectionOpened(c);
  // 90 minutes of traffic: 10 deliveries per minute at 1..10 ms
  for (let m = 0; m < 90; m++) {
    for (let i = 1; i <= 10; i++) rig.deliver(i);
    clock.advance(MINUTE_MS);
  }
});
after(() => s.stop());

test('GET /api/sse/stats answers exactly the documented fields', async () => {
  const res = await s.call('GET', '/api/sse/stats', ADMIN_TOKEN);
  assert.equal(res.status, 200);
  assert.equal(res.json?.success, true);
  assert.deepEqual(keys(res.data), [
    'active_connections',
    'cpu_usage',
    'event_backlog',
    'events_per_second',
    'memory_usage',
    'replay_bytes',
    'replay_events',
    'replay_window_seconds',
    'total_events_sent',
    'uptime',
  ]);
  assert.deepEqual([res.data.replay_window_seconds, res.data.replay_events, res.data.replay_bytes], [0, 0, 0], 'no replay history given');
  assert.equal(res.data.active_connections, 3);
  assert.equal(res.data.total_events_sent, 900);
  assert.equal(res.data.event_backlog, 2048);
  assert.equal(res.data.memory_usage, 100 * 1024 * 1024);
  assert.equal(typeof res.data.cpu_usage, 'number');
  assert.equal(typeof res.data.events_per_second, 'number');
  assert.equal(res.data.uptime, 'PT1H30M');
  assert.equal(res.headers.get('cache-control'), 'no-store');
});

test('POST /get_sse_stats takes the token from the JSON body or the header', async () => {
  const body = await s.call('POST', '/get_sse_stats', undefined, { token: ADMIN_TOKEN });
  assert.equal(body.status, 200);
  assert.equal(body.data.total_events_sent, 900);
  const header = await s.call('POST', '/get_sse_stats', ADMIN_TOKEN);
  assert.equal(header.status, 200);
  const user = await s.call('POST', '/get_sse_stats', undefined, { token: USER_TOKEN });
  assert.equal(user.status, 403);
  assert.deepEqual(user.json, { success: false, message: 'This endpoint is for Home Assistant administrators', error_code: 'admin_required' });
  const none = await s.call('POST', '/get_sse_stats', undefined, {});
  assert.equal(none.status, 401);
  assert.equal(none.json?.error_code, 'missing_token');
  const bad = await s.call('POST', '/get_sse_stats', undefined, { token: 'wrong-token-123456789' });
  assert.equal(bad.status, 401);
  assert.ok(!bad.text.includes('wrong-token-123456789'), 'tokens never echo back');
  const garbage = await s.call('POST', '/get_sse_stats', undefined, '{not json');
  assert.equal(garbage.status, 400);
});

test('every statistics endpoint is for admins: 401 without a token, 403 for a non-admin', async () => {
  const endpoints: [string, string][] = [
    ['GET', '/api/sse/stats'], ['GET', '/api/sse/connections'], ['GET', '/api/sse/connections/conn_123'],
    ['DELETE', '/api/sse/connections/conn_3'], ['GET', '/api/sse/metrics?period=1h'], ['GET', '/api/sse/history?period=1h'],
    ['GET', '/api/sse/performance'], ['GET', '/api/admin/sse-monitor'], ['GET', '/api/sse/alerts'], ['GET', '/api/sse/alerts/history'],
    ['GET', '/api/sse/alerts/thresholds'], ['PUT', '/api/sse/alerts/thresholds'], ['GET', '/metrics'],
  ];
  for (const [method, path] of endpoints) {
    const anonymous = await s.call(method, path);
    assert.equal(anonymous.status, 401, `${method} ${path} anonymous`);
    assert.equal(anonymous.json?.success, false);
    const user = await s.call(method, path, USER_TOKEN);
    assert.equal(user.status, 403, `${method} ${path} non-admin`);
    assert.equal(user.json?.error_code, 'admin_required');
  }
  assert.equal(s.rig.registry.connections.has('conn_3'), true, 'nothing was closed by refused requests');
});

test('connections: list with total, one by id in the documented shape, 404 for unknown ids', async () => {
  const list = await s.call('GET', '/api/sse/connections', ADMIN_TOKEN);
  assert.equal(list.status, 200);
  assert.deepEqual(keys(list.data), ['connections', 'total']);
  assert.equal(list.data.total, 3);
  const one = await s.call('GET', '/api/sse/connections/conn_123', ADMIN_TOKEN);
  assert.equal(one.status, 200);
  assert.deepEqual(keys(one.data), ['connection']);
  assert.deepEqual(one.data.connection, {
    id: 'conn_123',
    client_id: 'client_456',
    user_id: 'user_789',
    connected_at: '2024-02-05T12:00:00.000Z',
    last_event_at: '2024-02-05T12:05:00.000Z',
    events_sent: 150,
    subscriptions: [
      { event_type: 'state_changed', entity_id: 'light.living_room' },
      { event_type: 'call_service', entity_id: null },
    ],
    state: 'active',
    ip_address: '192.168.1.100',
    user_agent: 'Mozilla/5.0 test',
    user_name: 'User One',
    bytes_sent: 0,
    listener: 'lan',
  });
  assert.deepEqual((list.data.connections as unknown[])[0], one.data.connection, 'the list holds the same objects');
  const missing = await s.call('GET', '/api/sse/connections/nope', ADMIN_TOKEN);
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json, { success: false, message: 'Connection not found', error_code: 'connection_not_found' });
});

test('DELETE /api/sse/connections/{id} closes one stream as admin_closed; 404 when unknown', async () => {
  const res = await s.call('DELETE', '/api/sse/connections/conn_3', ADMIN_TOKEN);
  assert.equal(res.status, 200);
  assert.deepEqual(res.data, { id: 'conn_3', closed: true });
  assert.deepEqual(s.rig.registry.closed, [{ id: 'conn_3', reason: 'admin_closed' }]);
  const again = await s.call('DELETE', '/api/sse/connections/conn_3', ADMIN_TOKEN);
  assert.equal(again.status, 404);
  assert.equal(again.json?.error_code, 'connection_not_found');
});

test('GET /api/sse/metrics answers the documented structure for every period; others are 400', async () => {
  for (const period of ['1h', '24h', '7d', '30d']) {
    const res = await s.call('GET', `/api/sse/metrics?period=${period}`, ADMIN_TOKEN);
    assert.equal(res.status, 200, period);
    assert.deepEqual(keys(res.data), ['metrics', 'period', 'timestamp']);
    assert.equal(res.data.period, period);
    assert.match(String(res.data.timestamp), ISO);
    const m = res.data.metrics as Record<string, Record<string, unknown>>;
    assert.deepEqual(keys(m), ['connections', 'events', 'latency', 'resources']);
    assert.deepEqual(keys(m.connections), ['average', 'current', 'max']);
    assert.deepEqual(keys(m.events), ['rate', 'total']);
    assert.deepEqual(keys(m.events?.rate), ['average', 'current', 'max']);
    assert.deepEqual(keys(m.latency), ['p50', 'p95', 'p99']);
    assert.deepEqual(keys(m.resources), ['cpu', 'memory']);
    assert.deepEqual(keys((m.resources as Record<string, unknown>).memory), ['current', 'max']);
    assert.deepEqual(keys((m.resources as Record<string, unknown>).cpu), ['average', 'current', 'max']);
    assert.deepEqual(m.latency, { p50: 5, p95: 10, p99: 10 });
    assert.equal(m.connections?.current, 3);
  }
  const day = await s.call('GET', '/api/sse/metrics?period=24h', ADMIN_TOKEN);
  assert.equal((day.data.metrics as { events: { total: number } }).events.total, 900);
  const defaulted = await s.call('GET', '/api/sse/metrics', ADMIN_TOKEN);
  assert.equal(defaulted.data.period, '1h');
  for (const bad of ['1d', '1H', '', 'all', '24h&period=7d']) {
    const res = await s.call('GET', `/api/sse/metrics?period=${bad}`, ADMIN_TOKEN);
    assert.equal(res.status, 400, bad);
    assert.deepEqual(res.json, { success: false, message: 'period must be one of 1h, 24h, 7d, 30d', error_code: 'invalid_period' });
  }
});

test('GET /api/sse/history gives minute points for 1h/24h and hour points for 7d/30d', async () => {
  const hour = await s.call('GET', '/api/sse/history?period=1h', ADMIN_TOKEN);
  assert.equal(hour.status, 200);
  assert.equal(hour.data.resolution, 'minute');
  assert.equal(hour.data.history_available, true);
  const points = hour.data.points as Record<string, unknown>[];
  assert.equal(points.length, 59);
  assert.match(String(points[0]?.timestamp), ISO);
  assert.equal(points[0]?.events_sent, 10);
  assert.equal(points[0]?.latency_p50, 5);
  const week = await s.call('GET', '/api/sse/history?period=7d', ADMIN_TOKEN);
  assert.equal(week.data.resolution, 'hour');
  assert.deepEqual((week.data.points as { events_sent: number }[]).map((p) => p.events_sent), [600, 300]);
  const bad = await s.call('GET', '/api/sse/history?period=week', ADMIN_TOKEN);
  assert.equal(bad.status, 400);
});

test('GET /api/admin/sse-monitor: handler type, instance id, local = global in memory mode, per user', async () => {
  const res = await s.call('GET', '/api/admin/sse-monitor', ADMIN_TOKEN);
  assert.equal(res.status, 200);
  assert.equal(res.data.handler_type, 'memory');
  assert.equal(res.data.instance_id, 'test-instance');
  assert.equal(res.data.local_connections, s.rig.registry.list().length);
  assert.equal(res.data.global_connections, res.data.local_connections);
  assert.equal(res.data.global_unique_users, res.data.local_unique_users);
  assert.equal((res.data.connections_per_user as Record<string, number>).user_789, 2);
});

test('GET /api/sse/performance: system figures, memory trend, insights, throughput', async () => {
  const res = await s.call('GET', '/api/sse/performance', ADMIN_TOKEN);
  assert.equal(res.status, 200);
  assert.deepEqual(keys(res.data), ['connections', 'insights', 'memory_trend', 'system', 'throughput']);
  assert.equal((res.data.memory_trend as { leak_suspected: boolean }).leak_suspected, false);
  assert.ok(Array.isArray(res.data.insights));
  assert.equal((res.data.throughput as { average_message_bytes: number }).average_message_bytes, 100);
  assert.deepEqual((res.data.connections as { by_http_version: unknown }).by_http_version, { '1.1': 3 });
});
