/**
 * Every JSON route of the whole product (demo mode, in process), called as an administrator with
 * real data behind it (an open stream, a fired alert, history), and the usual refusals: each answer
 * validates against `/openapi.json` as served by the same process (test/e2e/openapi-check.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { type DemoServer, startDemoServer } from '../demo-server.ts';
import { OpenApiCheck } from './openapi-check.ts';
import { until } from '../until.ts';

let demo: DemoServer;
let api: OpenApiCheck;
const problems: string[] = [];

before(async () => {
  demo = await startDemoServer();
  api = await OpenApiCheck.load(demo.base);
});
after(async () => {
  await demo.stop();
});

/** Calls the route and checks the answer against the document; returns the parsed body. */
async function call(method: string, path: string, { token = demo.sim.adminToken, body }: { token?: string | null; body?: unknown } = {}) {
  const res = await fetch(`${demo.base}${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get('content-type') ?? '';
  const json = type.startsWith('application/json') ? ((await res.json()) as { success: boolean; data?: Record<string, unknown> }) : undefined;
  problems.push(...api.check(method, path, res.status, type, json));
  return { status: res.status, json };
}

test('every JSON answer, success and refusal, matches the document', async () => {
  const stream = new EventSource(`${demo.base}/subscribe_events?token=${demo.sim.adminToken}&domain=light`);
  const opened = new Promise<string>((resolve) => {
    stream.onmessage = (e) => {
      const message = JSON.parse(e.data) as { type: string; id?: string };
      if (message.type === 'connection') resolve(message.id!);
    };
  });
  try {
    const id = await opened;
    assert.equal((await call('GET', '/healthz', { token: null })).status, 200);
    assert.equal((await call('GET', '/api/sse/stats')).status, 200);
    assert.equal((await call('POST', '/get_sse_stats', { token: null, body: { token: demo.sim.adminToken } })).status, 200);
    for (const period of ['1h', '24h', '7d', '30d']) {
      assert.equal((await call('GET', `/api/sse/metrics?period=${period}`)).status, 200);
      assert.equal((await call('GET', `/api/sse/history?period=${period}`)).status, 200);
    }
    assert.equal((await call('GET', '/api/sse/performance')).status, 200);
    assert.equal((await call('GET', '/api/admin/sse-monitor')).status, 200);
    const list = await call('GET', '/api/sse/connections');
    assert.equal((list.json?.data?.connections as unknown[]).length, 1, 'the open stream is listed');
    assert.equal((await call('GET', `/api/sse/connections/${id}`)).status, 200);

    // An alert that fires now: one stream is at a threshold of one, without a sustain period.
    assert.equal((await call('PUT', '/api/sse/alerts/thresholds', { body: { connections: 1, sustain_seconds: 0 } })).status, 200);
    await demo.server.metrics.alerts.evaluate();
    const active = await call('GET', '/api/sse/alerts');
    assert.ok((active.json?.data?.alerts as unknown[]).length >= 1, 'an alert is firing');
    assert.equal((await call('GET', '/api/sse/alerts/history?limit=5')).status, 200);
    assert.equal((await call('GET', '/api/sse/alerts/thresholds')).status, 200);
    assert.equal((await call('PUT', '/api/sse/alerts/thresholds', { body: { connections: null, sustain_seconds: null } })).status, 200);
    assert.equal((await call('DELETE', `/api/sse/connections/${id}`)).status, 200);

    // Refusals: the error envelope with each documented status.
    assert.equal((await call('GET', '/api/sse/stats', { token: null })).status, 401);
    assert.equal((await call('GET', '/api/sse/stats', { token: demo.sim.userToken })).status, 403);
    assert.equal((await call('GET', '/api/sse/metrics?period=2h')).status, 400);
    assert.equal((await call('GET', '/api/sse/connections/nope')).status, 404);
    assert.equal((await call('PUT', '/api/sse/alerts/thresholds', { body: { alert_connections: 1 } })).status, 400);
    assert.equal((await call('GET', '/subscribe_events?foo=1', { token: demo.sim.adminToken })).status, 400);
  } finally {
    stream.close();
  }
  await until(() => demo.server.hub.list().length === 0, 'the stream is gone');
  assert.deepEqual(problems, []);
  assert.ok(api.checked.length >= 25, `${api.checked.length} answers checked`);
});
