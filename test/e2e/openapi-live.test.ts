/**
 * Every JSON route of the whole product (demo mode, in process), called as an administrator with
 * real data behind it (an open stream, a fired alert, a finished minute of history), and the
 * usual refusals, once in memory mode and once in Redis mode (a real redis-server), plus the
 * answers of the WebSocket API. Each answer validates against `/openapi.json` as served by the
 * same process (test/e2e/openapi-check.ts) and against the zod schema the code takes its type from
 * (test/e2e/schema-coverage.ts). Together they hold each response shape's one description to the
 * code both ways: no answer carries a field its schema lacks, and every field a schema declares
 * is carried by some answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import { RESPONSE_DATA } from '../../src/http/openapi.ts';
import { liveStatsDataSchema } from '../../src/stats/answers.ts';
import { type DemoServer, startDemoServer } from '../demo-server.ts';
import { until } from '../until.ts';
import { TestRedis } from '../redis-server.ts';
import { OpenApiCheck } from './openapi-check.ts';
import { SchemaCoverage } from './schema-coverage.ts';

const coverage = new SchemaCoverage();
const DATA: Record<string, (typeof RESPONSE_DATA)[keyof typeof RESPONSE_DATA]> = RESPONSE_DATA;

/** Over the "large messages" insight's 10 KiB average (src/stats/insights.ts), so `insights` is not empty. */
const LARGE_ATTRIBUTE = 'x'.repeat(16 * 1024);

/** The WebSocket API's answers (`/ws`), each checked against the schema of the same answer over HTTP. */
async function checkWebSocket(demo: DemoServer, connectionId: string): Promise<string[]> {
  const ws = new WebSocket(`${demo.base.replace('http', 'ws')}/ws`, { headers: { Authorization: `Bearer ${demo.sim.adminToken}` } });
  const inbox: Record<string, unknown>[] = [];
  let arrived = () => {};
  ws.on('message', (data) => {
    inbox.push(JSON.parse(data.toString()) as Record<string, unknown>);
    arrived();
  });
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
  const next = async (predicate: (m: Record<string, unknown>) => boolean) => {
    for (;;) {
      const i = inbox.findIndex(predicate);
      if (i >= 0) return inbox.splice(i, 1)[0]!;
      await new Promise<void>((resolve) => (arrived = resolve));
    }
  };
  const ask = async (id: number, message: Record<string, unknown>) => {
    ws.send(JSON.stringify({ id, ...message }));
    const answer = await next((m) => m.id === id);
    assert.equal(answer.success, true, JSON.stringify(answer));
    return answer.data;
  };
  try {
    const problems = [
      ...coverage.check('Stats', RESPONSE_DATA.Stats, await ask(1, { type: 'get_sse_stats' })),
      ...coverage.check('Metrics', RESPONSE_DATA.Metrics, await ask(2, { type: 'get_sse_metrics', period: '24h' })),
      ...coverage.check('Connection', RESPONSE_DATA.Connection, await ask(3, { type: 'get_sse_connection', connection_id: connectionId })),
    ];
    await ask(4, { type: 'subscribe_sse_stats', live: true, interval_ms: 1000 });
    // The first push comes at once (src/http/ws-api.ts): the panel's live figures.
    const push = await next((m) => m.type === 'sse_stats');
    return [...problems, ...coverage.check('LiveStats', liveStatsDataSchema, push.data)];
  } finally {
    ws.close();
  }
}

/** Calls every JSON route of `demo` and checks each answer; returns the problems found. */
async function sweep(demo: DemoServer): Promise<string[]> {
  const api = await OpenApiCheck.load(demo.base);
  const problems: string[] = [];

  /** Calls the route and checks the answer against the document and its schema; returns the parsed body. */
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
    const component = api.dataComponent(method, path);
    if (res.status === 200 && component) {
      const schema = DATA[component];
      if (schema) problems.push(...coverage.check(component, schema, json?.data));
      else problems.push(`${method} ${path}: no schema for ${component}`);
    }
    return { status: res.status, json };
  }

  const stream = new EventSource(`${demo.base}/subscribe_events?token=${demo.sim.adminToken}&entity_id=light.coverage_probe`);
  const opened = new Promise<string>((resolve) => {
    stream.onmessage = (e) => {
      const message = JSON.parse(e.data) as { type: string; id?: string };
      if (message.type === 'connection') resolve(message.id!);
      if (message.type === 'state_changed') delivered();
    };
  });
  let delivered = () => {};
  try {
    const id = await opened;
    // An administrator's stream without an `events` filter wants every type: once core holds the `*`
    // subscription it leads to (src/ha/bridge.ts), a change reaches the stream.
    await until(() => demo.sim.activeSubscriptions().some((s) => s.eventTypes.includes('*')), 'core subscribed to every event type');
    await new Promise<void>((resolve) => {
      delivered = resolve;
      demo.sim.setState('light.coverage_probe', 'on', { payload: LARGE_ATTRIBUTE });
    });
    demo.server.metrics.rollup.flush(); // ends the current minute, as the minute timer does: history has a point
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
    assert.equal((await call('GET', '/api/sse/connections?scope=local')).status, 200);
    assert.equal((await call('GET', `/api/sse/connections/${id}`)).status, 200);
    await until(() => demo.server.registries.reads > 0, 'the registries were read');
    const registries = await call('GET', '/api/sse/registries');
    assert.ok((registries.json?.data?.areas as { id: string }[]).some((a) => a.id === 'kitchen'), 'the demo home\'s areas are listed');
    problems.push(...(await checkWebSocket(demo, id)));

    // An alert that fires now: one stream is at a threshold of one, without a sustain period.
    assert.equal((await call('PUT', '/api/sse/alerts/thresholds', { body: { connections: 1, sustain_seconds: 0 } })).status, 200);
    await demo.server.metrics.alerts.evaluate();
    const active = await call('GET', '/api/sse/alerts');
    assert.ok((active.json?.data?.alerts as unknown[]).length >= 1, 'an alert is firing');
    assert.equal((await call('GET', '/api/sse/alerts/history?limit=5')).status, 200);
    const thresholds = await call('GET', '/api/sse/alerts/thresholds');
    // Every key overridden once (with the value in force), then every override removed.
    const inForce = thresholds.json?.data?.thresholds as Record<string, number>;
    assert.equal((await call('PUT', '/api/sse/alerts/thresholds', { body: inForce })).status, 200);
    const none = Object.fromEntries(Object.keys(inForce).map((key) => [key, null]));
    assert.equal((await call('PUT', '/api/sse/alerts/thresholds', { body: none })).status, 200);
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
  assert.ok(api.checked.length >= 25, `${api.checked.length} answers checked`);
  return problems;
}

test('memory mode: every JSON answer, success and refusal, matches the document and its schema', async () => {
  const demo = await startDemoServer({ DEMO_EVENT_RATE: '0' });
  try {
    assert.deepEqual(await sweep(demo), []);
  } finally {
    await demo.stop();
  }
});

test('Redis mode: every JSON answer, success and refusal, matches the document and its schema', async () => {
  const redis = new TestRedis();
  await redis.start();
  try {
    const demo = await startDemoServer({ DEMO_EVENT_RATE: '0', REDIS_URL: redis.url });
    try {
      assert.deepEqual(await sweep(demo), []);
    } finally {
      await demo.stop();
    }
  } finally {
    await redis.dispose();
  }
});

test('every field a response schema declares was carried by some answer', () => {
  assert.deepEqual([...coverage.answers.keys()].sort(), [...Object.keys(RESPONSE_DATA), 'LiveStats'].sort(), 'every schema checked answers');
  // `file_limit` appears only under a low open-file limit: test/hardening/file-limit.test.ts runs a
  // process under one and checks that answer against the same schema.
  assert.deepEqual(coverage.unseen().filter((field) => !field.startsWith('Health.file_limit')), []);
});
