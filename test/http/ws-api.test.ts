import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { snapshot } from '../metrics/helpers.ts';
import { ADMIN_TOKEN, USER_TOKEN, startStatsServer, type StatsServer } from './stats-harness.ts';
import { until } from '../until.ts';

let s: StatsServer;
before(async () => {
  s = await startStatsServer();
  s.rig.registry.add(snapshot({ id: 'conn_123' }));
  s.rig.collector.connectionOpened(snapshot({ id: 'conn_123' }));
  s.rig.deliver(7, 3);
});
after(() => s.stop());

/** A connected client that collects every message. */
async function connect(headers: Record<string, string> = { Authorization: `Bearer ${ADMIN_TOKEN}` }, query = '') {
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws${query}`, { headers });
  const inbox: Record<string, unknown>[] = [];
  ws.on('message', (data) => inbox.push(JSON.parse(data.toString()) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  /** The next message matching `predicate` (taken out of the inbox). */
  async function next(predicate: (m: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
    await until(() => inbox.some(predicate), 'a matching message');
    return inbox.splice(inbox.findIndex(predicate), 1)[0]!;
  }
  const request = async (message: unknown) => {
    ws.send(typeof message === 'string' ? message : JSON.stringify(message));
    return next();
  };
  return { ws, inbox, next, request, close: () => ws.close() };
}

/** The HTTP status a refused upgrade gets, and its body. */
function refused(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => reject(new Error('upgrade should have been refused')));
    ws.on('error', () => undefined);
  });
}

test('answers get_sse_stats, get_sse_connection and get_sse_metrics with the REST envelopes, echoing ids', async () => {
  const c = await connect();
  try {
    const stats = await c.request({ type: 'get_sse_stats', id: 1 });
    const rest = await s.call('GET', '/api/sse/stats', ADMIN_TOKEN);
    assert.equal(stats.id, 1);
    assert.equal(stats.type, 'get_sse_stats');
    assert.equal(stats.success, true);
    assert.deepEqual(Object.keys(stats.data as object).sort(), Object.keys(rest.data).sort());
    assert.equal((stats.data as { total_events_sent: number }).total_events_sent, 3);

    const conn = await c.request({ type: 'get_sse_connection', connection_id: 'conn_123', id: 'abc' });
    assert.equal(conn.id, 'abc');
    assert.equal(conn.success, true);
    const restConn = await s.call('GET', '/api/sse/connections/conn_123', ADMIN_TOKEN);
    assert.deepEqual(conn.data, restConn.data);

    const metrics = await c.request({ type: 'get_sse_metrics', period: '24h', id: 3 });
    assert.equal(metrics.id, 3);
    assert.equal(metrics.success, true);
    const restMetrics = await s.call('GET', '/api/sse/metrics?period=24h', ADMIN_TOKEN);
    assert.deepEqual((metrics.data as { metrics: unknown }).metrics, restMetrics.data.metrics);
    assert.equal((metrics.data as { period: string }).period, '24h');

    const noId = await c.request({ type: 'get_sse_stats' });
    assert.equal('id' in noId, false);
  } finally {
    c.close();
  }
});

test('bad messages get error envelopes and the socket stays usable', async () => {
  const c = await connect();
  try {
    assert.deepEqual(await c.request('not json'), { success: false, message: 'Messages must be JSON text', error_code: 'invalid_json' });
    assert.equal((await c.request([1, 2])).error_code, 'invalid_message');
    assert.equal((await c.request({ id: 9 })).error_code, 'invalid_message');
    const unknown = await c.request({ type: 'drop_tables', id: 4 });
    assert.deepEqual(unknown, { id: 4, type: 'drop_tables', success: false, message: 'Unknown message type "drop_tables"', error_code: 'unknown_type' });
    const missing = await c.request({ type: 'get_sse_connection', id: 5 });
    assert.equal(missing.error_code, 'invalid_request');
    const notFound = await c.request({ type: 'get_sse_connection', connection_id: 'nope', id: 6 });
    assert.deepEqual(notFound, { id: 6, type: 'get_sse_connection', success: false, message: 'Connection not found', error_code: 'connection_not_found' });
    const badPeriod = await c.request({ type: 'get_sse_metrics', period: '2d', id: 7 });
    assert.equal(badPeriod.error_code, 'invalid_period');
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await c.next()).error_code, 'invalid_json');
    const still = await c.request({ type: 'get_sse_stats', id: 8 });
    assert.equal(still.success, true);
  } finally {
    c.close();
  }
});

test('subscribe_sse_stats pushes live stats until unsubscribed', async () => {
  const c = await connect();
  try {
    const ack = await c.request({ type: 'subscribe_sse_stats', id: 'sub' });
    assert.deepEqual(ack, { id: 'sub', type: 'subscribe_sse_stats', success: true, data: { subscribed: true } });
    const first = await c.next((m) => m.type === 'sse_stats');
    assert.equal(first.id, 'sub');
    assert.equal((first.data as { active_connections: number }).active_connections, 1);
    s.clock.advance(40);
    await c.next((m) => m.type === 'sse_stats'); // the periodic one, one interval later
    const done = await c.request({ type: 'unsubscribe_sse_stats' });
    assert.equal(done.success, true);
    s.clock.advance(400);
    assert.equal((await c.request({ type: 'get_sse_stats', id: 'marker' })).id, 'marker', 'no push came before this answer');
    assert.deepEqual(c.inbox, []);
  } finally {
    c.close();
  }
});

test('upgrades with credentials are authenticated: 401 for a bad token, 403 for non-admins, token query accepted', async () => {
  const url = `ws://127.0.0.1:${s.port}/ws`;
  assert.equal((await refused(url, { Authorization: 'Bearer wrong-token-000000000' })).status, 401);
  const user = await refused(url, { Authorization: `Bearer ${USER_TOKEN}` });
  assert.equal(user.status, 403);
  assert.equal(JSON.parse(user.body).error_code, 'admin_required');
  assert.equal((await refused(`ws://127.0.0.1:${s.port}/elsewhere`, { Authorization: `Bearer ${ADMIN_TOKEN}` })).status, 404);
  const viaQuery = await connect({}, `?token=${ADMIN_TOKEN}`);
  assert.equal((await viaQuery.request({ type: 'get_sse_stats' })).success, true);
  viaQuery.close();
});

/** Opens `/ws` without credentials and runs Home Assistant's auth phase with `token`; returns what the server said. */
async function firstMessageAuth(token: string | null, first?: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`);
  const messages: Record<string, unknown>[] = [];
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const next = () => new Promise<Record<string, unknown>>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()) as Record<string, unknown>)));
  messages.push(await next());
  const reply = next();
  ws.send(first ?? JSON.stringify({ type: 'auth', access_token: token }));
  messages.push(await reply);
  return { ws, messages, closed };
}

test('an upgrade without credentials gets Home Assistant\'s auth phase: auth_required, then auth_ok or auth_invalid and a close', async () => {
  const admin = await firstMessageAuth(ADMIN_TOKEN);
  assert.deepEqual(admin.messages, [{ type: 'auth_required' }, { type: 'auth_ok' }]);
  const reply = new Promise<Record<string, unknown>>((resolve) => admin.ws.once('message', (d) => resolve(JSON.parse(d.toString()) as Record<string, unknown>)));
  admin.ws.send(JSON.stringify({ id: 1, type: 'get_sse_stats' }));
  assert.equal((await reply).success, true, 'requests work after auth_ok');
  admin.ws.close();

  const bad = await firstMessageAuth('wrong-token-000000000');
  assert.equal(bad.messages[1]!.type, 'auth_invalid');
  assert.ok(!JSON.stringify(bad.messages).includes('wrong-token-000000000'), 'the token is never echoed');
  assert.equal(await bad.closed, 1008);

  const user = await firstMessageAuth(USER_TOKEN);
  assert.deepEqual(user.messages[1], { type: 'auth_invalid', message: 'The statistics API is for Home Assistant administrators' });
  assert.equal(await user.closed, 1008);

  const notAuth = await firstMessageAuth(null, JSON.stringify({ type: 'get_sse_stats' }));
  assert.equal(notAuth.messages[1]!.type, 'auth_invalid', 'nothing is answered before auth');
  assert.equal(await notAuth.closed, 1008);
});

test('a client without credentials that sends no auth message is told why and closed when its time is up (fake clock)', async () => {
  const server = await startStatsServer({ authTimeoutMs: 5000 });
  try {
    const timersBefore = server.clock.pending;
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as Record<string, unknown>));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await until(() => messages.length === 1, 'auth_required');
    assert.deepEqual(messages, [{ type: 'auth_required' }]);
    assert.equal(server.clock.pending, timersBefore + 1, 'the deadline is on the injected clock');
    server.clock.advance(4999);
    // A ping answered after the clock moved: anything the deadline had sent would have come first.
    const pong = new Promise((resolve) => ws.once('pong', resolve));
    ws.ping();
    await pong;
    assert.equal(messages.length, 1, 'still waiting one millisecond before the deadline');
    server.clock.advance(1);
    assert.equal(await closed, 1008);
    assert.deepEqual(messages[1], { type: 'auth_invalid', message: 'No auth message within the time allowed' });
  } finally {
    await server.stop();
  }
});

test('stop() closes clients with 1001 and detaches from the server', async () => {
  const other = await startStatsServer();
  const ws = new WebSocket(`ws://127.0.0.1:${other.port}/ws`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  await new Promise((resolve) => ws.once('open', resolve));
  assert.equal(other.ws.clientCount, 1);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await other.ws.stop();
  assert.equal(await closed, 1001);
  await other.stop();
});

test('on the ingress listener of add-on mode the Supervisor is trusted without a token', async () => {
  const ingress = await startStatsServer({ ingress: true });
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${ingress.port}/ws`, { headers: { 'X-Remote-User-Id': 'panel-user' } });
    const reply = new Promise<Record<string, unknown>>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()) as Record<string, unknown>)));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'get_sse_stats', id: 1 }));
    assert.equal((await reply).success, true);
    ws.close();
    const rest = await ingress.call('GET', '/api/sse/stats');
    assert.equal(rest.status, 200, 'REST on ingress agrees');
  } finally {
    await ingress.stop();
  }
});

test('with a request budget, the upgrade and each message take a point; over it: rate_limit_exceeded, then a refused upgrade', async () => {
  const limited = await startStatsServer({ requestsPerMinute: 3 });
  try {
    const url = `ws://127.0.0.1:${limited.port}/ws`;
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    const replies: Record<string, unknown>[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(d.toString()) as Record<string, unknown>));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    for (const id of [1, 2, 3]) ws.send(JSON.stringify({ type: 'get_sse_stats', id }));
    await until(() => replies.length === 3, 'three replies');
    // The upgrade took the first point: two answers, then a refusal that keeps the socket open.
    assert.deepEqual(replies.map((r) => r.success), [true, true, false]);
    assert.equal(replies[2]!.error_code, 'rate_limit_exceeded');
    assert.ok(Number(replies[2]!.retry_after) >= 1);
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.close();
    const refusedUpgrade = await refused(url, { Authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(refusedUpgrade.status, 429);
    assert.equal(JSON.parse(refusedUpgrade.body).error_code, 'rate_limit_exceeded');
  } finally {
    await limited.stop();
  }
});

test('a browser may offer the token as a subprotocol; the server selects sse-hub and never echoes the token', async () => {
  const url = `ws://127.0.0.1:${s.port}/ws`;
  const ws = new WebSocket(url, ['sse-hub', `sse-hub-token.${ADMIN_TOKEN}`]);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    assert.equal(ws.protocol, 'sse-hub');
  } finally {
    ws.close();
  }
  const refusedWith = (protocols: string[]) =>
    new Promise<number>((resolve, reject) => {
      const bad = new WebSocket(url, protocols);
      bad.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      bad.on('open', () => reject(new Error('upgrade should have been refused')));
      bad.on('error', () => undefined);
    });
  assert.equal(await refusedWith(['sse-hub', 'sse-hub-token.wrong-token-000000000']), 401);
  assert.equal(await refusedWith(['sse-hub', `sse-hub-token.${USER_TOKEN}`]), 403);
});

test('subscribe_sse_stats with live: true adds the panel figures, at interval_ms', async () => {
  const c = await connect();
  try {
    const bad = await c.request({ type: 'subscribe_sse_stats', id: 1, interval_ms: 500 });
    assert.equal(bad.error_code, 'invalid_request');
    await c.request({ type: 'subscribe_sse_stats', id: 2, live: true, interval_ms: 1000 });
    const first = await c.next((m) => m.type === 'sse_stats');
    const live = (first.data as { live: Record<string, unknown> }).live;
    assert.deepEqual(Object.keys(live).sort(), [
      'active_connections', 'cpu_percent', 'deliveries_per_second', 'event_loop_delay_p99_ms', 'events_in_per_second',
      'heap_used', 'latency_ms', 'memory_rss', 'timestamp', 'upstream',
    ]);
    assert.equal(live.active_connections, 1);
    const latency = live.latency_ms as { p50: number; p99: number; samples: number };
    assert.ok(latency.samples > 0 && latency.p50 > 0 && latency.p99 >= latency.p50, JSON.stringify(latency));
    s.clock.advance(999);
    assert.equal((await c.request({ type: 'get_sse_stats', id: 'marker' })).id, 'marker', 'no push before the interval');
    s.clock.advance(1);
    const next = await c.next((m) => m.type === 'sse_stats'); // one interval later
    assert.equal(next.id, 2);
    assert.ok((next.data as { live?: unknown }).live, 'with the live figures');
  } finally {
    c.close();
  }
});
