/**
 * `GET /openapi.json` against the server itself: it is a valid OpenAPI 3.1 document (by the
 * official schema), its paths are exactly the routes the app serves
 * (walked from the routers, as in test/e2e/route-inventory.test.ts), its schemas compile as JSON
 * Schema 2020-12 (OpenAPI 3.1's dialect), the request schemas judge requests as the server does,
 * the error answers of a real run fit its error envelope, and the `/ws` upgrade's answers and
 * messages fit what the document says of them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { loadConfig } from '../../src/config/config.ts';
import { loadDemoTokens } from '../../src/app/demo-tokens.ts';
import { SseHubServer } from '../../src/app/server.ts';
import WebSocket from 'ws';
import { captureLogger } from '../log-capture.ts';
import { probeUpgrade } from '../e2e/ws-probe.ts';
import { until } from '../until.ts';
import { childEnv } from '../process-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-openapi-'));
let server: SseHubServer;
let base: string;
let admin: string;
let doc: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

before(async () => {
  server = new SseHubServer(loadConfig(childEnv(dir, { DEMO_EVENT_RATE: '0' })), captureLogger('info').logger);
  await server.start();
  base = `http://127.0.0.1:${String(server.lan.port)}`;
  admin = `Bearer ${loadDemoTokens(join(dir, 'data')).admin}`;
  const res = await fetch(`${base}/openapi.json`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  doc = (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
});

after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

function served(): string[] {
  const routes = new Set<string>();
  for (const middleware of server.app.middleware) {
    const router = (middleware as { router?: { stack: { path: string; methods: string[] }[] } }).router;
    for (const layer of router?.stack ?? []) {
      for (const method of layer.methods) if (method !== 'HEAD') routes.add(`${method} ${layer.path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  routes.add(`GET ${server.wsApi.path}`); // the listeners' WebSocket upgrade, beside the routers
  return [...routes].sort();
}

function ajv(): Ajv2020 {
  const instance = new Ajv2020({ strict: false, allErrors: true });
  instance.addSchema({ $id: 'openapi', components: doc.components } as object);
  return instance;
}
const validator = (name: string) => ajv().getSchema(`openapi#/components/schemas/${name}`)!;

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document without a token', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(typeof doc.info.version, 'string');
    assert.equal(doc.paths['/healthz'].get.security.length, 0);
  });

  it('validates against the OpenAPI 3.1 schema, which refuses a broken copy', async () => {
    // @seriousme/openapi-schema-validator carries the official OpenAPI 3.1 JSON Schema (spec.openapis.org).
    const valid = await new Validator().validate(structuredClone(doc));
    assert.deepEqual(valid.errors, undefined);
    assert.equal(valid.valid, true);
    const broken = structuredClone(doc);
    broken.paths['/healthz'].get.responses = { ok: { description: 'a status must be a code' } };
    assert.equal((await new Validator().validate(broken)).valid, false);
  });

  it('has exactly the routes the server serves', () => {
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const routes = served();
    assert.ok(routes.length >= 20, `only ${String(routes.length)} routes walked`);
    assert.deepEqual(documented, routes);
  });

  it('every schema compiles as JSON Schema 2020-12', () => {
    for (const name of Object.keys(doc.components.schemas as object)) assert.ok(validator(name), name);
  });

  it('the threshold schema judges updates as the server does', async () => {
    const check = validator('ThresholdsUpdate');
    for (const body of [{ alert_connections: 50 }, { connections: -1 }, { connections: 50, latency_p95_ms: null }, { error_rate_percent: 101 }]) {
      const res = await fetch(`${base}/api/sse/alerts/thresholds`, {
        method: 'PUT',
        headers: { Authorization: admin, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await res.json()) as unknown;
      assert.equal(check(body), res.status === 200, `${JSON.stringify(body)}: schema vs status ${String(res.status)}`);
      if (res.status !== 200) assert.ok(validator('Error')(answer), JSON.stringify(answer));
      else assert.ok(validator('Success')(answer));
    }
  });

  it('the stream parameter schema judges parameters as the server does', async () => {
    const check = validator('SubscribeParams');
    for (const body of [{ domain: ['light'] }, { colour: 'red' }, { last_event_id: 'x'.repeat(257) }, { initial_state: 'maybe' }]) {
      const controller = new AbortController();
      const res = await fetch(`${base}/subscribe_events`, {
        method: 'POST',
        headers: { Authorization: admin, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      assert.equal(check(body), res.status === 200, `${JSON.stringify(body)}: schema vs status ${String(res.status)}`);
      if (res.status !== 200) assert.ok(validator('Error')(await res.json()));
      controller.abort();
    }
  });

  it('the error answers of every protected route fit the error envelope', async () => {
    const check = validator('Error');
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[] }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op.security?.length === 0) continue;
        const res = await fetch(`${base}${path.replace(/\{\w+\}/g, 'x')}`, { method: method.toUpperCase() });
        assert.equal(res.status, 401, `${method} ${path}`);
        assert.ok(check(await res.json()), `${method} ${path}`);
      }
    }
  });

  it('describes /ws: the upgrade, its refusals and the messages each way', async () => {
    const ws = doc.paths['/ws'].get;
    assert.deepEqual(Object.keys(ws.responses).sort(), ['101', '401', '403', '404', '429', '503']);
    const client = validator('WsClientMessage');
    const serverMessage = validator('WsServerMessage');
    const error = validator('Error');
    const url = `ws://127.0.0.1:${String(server.lan.port)}/ws`;
    const anonymous = await probeUpgrade(url);
    assert.equal(anonymous.status, 101);
    assert.ok(serverMessage(anonymous.first), JSON.stringify(anonymous.first));
    for (const [token, status] of [['not-a-real-token-0123456789', 401], [loadDemoTokens(join(dir, 'data')).user, 403]] as const) {
      const refused = await probeUpgrade(url, token);
      assert.equal(refused.status, status);
      assert.ok(error(refused.body), JSON.stringify(refused.body));
    }
    const plain = await fetch(`${base}/ws`);
    assert.equal(plain.status, 404, 'a GET without the upgrade');
    assert.ok(error(await plain.json()));

    const socket = new WebSocket(url, { headers: { Authorization: admin } });
    const replies: unknown[] = [];
    socket.on('message', (data) => replies.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const sent = [
      { id: 1, type: 'get_sse_stats' },
      { id: 2, type: 'get_sse_connection', connection_id: 'nope' },
      { id: 3, type: 'get_sse_metrics', period: '24h' },
      { id: 4, type: 'subscribe_sse_stats', live: true, interval_ms: 60000 },
      { id: 5, type: 'unsubscribe_sse_stats' },
      { id: 6, type: 'no_such_type' },
    ];
    for (const message of sent.slice(0, 5)) assert.ok(client(message), `the document allows ${JSON.stringify(message)}`);
    assert.equal(client(sent[5]), false, 'and refuses an unknown type');
    for (const message of sent) socket.send(JSON.stringify(message));
    socket.send('not json');
    // Answers come in order; the last one (to "not json") carries no id: wait for it.
    await until(() => replies.some((r) => (r as { error_code?: string }).error_code === 'invalid_json'), 'the answer to "not json"');
    socket.close();
    const types = replies.map((r) => `${String((r as { type?: string }).type)}:${String((r as { success?: boolean }).success)}`);
    assert.deepEqual(types, [
      'get_sse_stats:true',
      'get_sse_connection:false',
      'get_sse_metrics:true',
      'subscribe_sse_stats:true',
      'sse_stats:true',
      'unsubscribe_sse_stats:true',
      'no_such_type:false',
      'undefined:false',
    ]);
    for (const reply of replies) assert.ok(serverMessage(reply), JSON.stringify(reply).slice(0, 300));
  });
});
