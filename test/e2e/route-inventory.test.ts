/**
 * The authorization matrix over every route the server has, found by walking the @koa/router
 * stacks of the app both listeners serve and adding the listeners' WebSocket upgrade (`/ws`, from
 * the WsApi itself): not a hand list, so a new route is probed the day it is added. Without a
 * token every non-public route answers 401, and with a non-admin Home Assistant user's token every
 * route not meant for all users answers 403, on the LAN and the ingress listener; the upgrade
 * without credentials opens into Home Assistant's auth phase instead. Every route is in
 * /openapi.json and every JSON answer fits it. The only hand-written part is the short list of
 * intended exceptions, which DOCS.md documents.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SseHubServer } from '../../src/app/server.ts';
import { type DemoServer, startDemoServer } from '../demo-server.ts';
import { OpenApiCheck } from './openapi-check.ts';
import { probeUpgrade } from './ws-probe.ts';
import type { HaSimulator } from '../../src/simulator/index.ts';

/** Routes anyone may call (DOCS.md: health, the client library, the panel page and its assets, which ask for a token themselves, the OpenAPI document). */
const PUBLIC = new Set(['GET /healthz', 'GET /client.js', 'GET /client.js.map', 'GET /', 'GET /panel/:name', 'GET /openapi.json']);
/** Upgrades that open without credentials into Home Assistant's auth phase (`auth_required`; DOCS.md "WebSocket API"). */
const AUTH_PHASE = new Set(['GET /ws']);
/** Routes every Home Assistant user may call; all others are admin-only. */
const ALL_USERS = new Set(['GET /subscribe_events', 'POST /subscribe_events']);

interface Route {
  method: string;
  path: string;
  /** A WebSocket upgrade handled by the listeners beside the Koa app. */
  upgrade?: boolean;
}

let demo: DemoServer;
let server: SseHubServer;
let sim: HaSimulator;
/** Every JSON answer of the probes must match /openapi.json (test/e2e/openapi-check.ts). */
let api: OpenApiCheck;
const problems: string[] = [];

before(async () => {
  demo = await startDemoServer({ DEMO_EVENT_RATE: '0', RATE_LIMIT_PER_MINUTE: '100000' });
  ({ server, sim } = demo);
  api = await OpenApiCheck.load(demo.base);
});

after(() => demo.stop());

/** Every method + path in the routers mounted on the app (HEAD is GET's twin; `use` layers have no methods). */
function inventory(): Route[] {
  const routes: Route[] = [];
  for (const middleware of server.app.middleware) {
    const router = (middleware as { router?: { stack: { path: string; methods: string[] }[] } }).router;
    for (const layer of router?.stack ?? []) {
      for (const method of layer.methods) if (method !== 'HEAD') routes.push({ method, path: layer.path });
    }
  }
  routes.push({ method: 'GET', path: server.wsApi.path, upgrade: true });
  return routes;
}

/** Status of one probe; a stream that opens is cut after its headers, an upgrade after its first message. */
async function probe(base: string, { method, path, upgrade }: Route, token?: string): Promise<number> {
  if (upgrade) {
    const answer = await probeUpgrade(`${base.replace(/^http/, 'ws')}${path}`, token);
    if (answer.status === 101) {
      api.checked.push(`${method} ${path} 101`);
      if (!api.documents(method, path)) problems.push(`${method} ${path}: not in the document`);
      if (!token && answer.first?.type !== 'auth_required') problems.push(`${path}: opened without credentials but not into the auth phase`);
      return 101;
    }
    problems.push(...api.check(method, path, answer.status, answer.contentType ?? '', answer.body));
    return answer.status;
  }
  const controller = new AbortController();
  const res = await fetch(`${base}${path.replace(/:[a-z_]+/gi, 'probe-id')}`, {
    method,
    signal: controller.signal,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(method === 'GET' ? {} : { 'Content-Type': 'application/json' }) },
    body: method === 'GET' ? undefined : '{}',
  });
  const type = res.headers.get('content-type') ?? '';
  if (type.startsWith('application/json')) {
    const concrete = path.replace(/:[a-z_]+/gi, 'probe-id');
    problems.push(...api.check(method, concrete, res.status, type, await res.json()));
  }
  controller.abort();
  return res.status;
}

test('the inventory comes from the routers and covers the API', () => {
  const keys = inventory().map((r) => `${r.method} ${r.path}`);
  for (const known of ['GET /subscribe_events', 'GET /api/sse/stats', 'PUT /api/sse/alerts/thresholds', 'DELETE /api/sse/connections/:id', 'GET /metrics', 'GET /ws']) {
    assert.ok(keys.includes(known), `${known} is in the inventory`);
  }
  for (const key of [...PUBLIC, ...ALL_USERS, ...AUTH_PHASE]) assert.ok(keys.includes(key), `the exception ${key} still exists`);
});

test('/openapi.json documents every listener route, upgrades included, and nothing else', () => {
  const routes = inventory().map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
  const documented = Object.entries(api.doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
  assert.deepEqual([...new Set(routes)].sort(), documented.sort());
});

for (const listener of ['lan', 'ingress'] as const) {
  test(`${listener}: 401 without a token on every non-public route, 403 to a non-admin where admin-only`, async (t) => {
    const base = `http://127.0.0.1:${server[listener].port}`;
    let probes = 0;
    for (const route of inventory()) {
      const key = `${route.method} ${route.path}`;
      const anonymous = await probe(base, route);
      probes++;
      if (PUBLIC.has(key)) {
        assert.notEqual(anonymous, 401, `${key} is public`);
        continue;
      }
      if (AUTH_PHASE.has(key)) assert.equal(anonymous, 101, `${listener} ${key} without a token opens into the auth phase`);
      else assert.equal(anonymous, 401, `${listener} ${key} without a token`);
      const nonAdmin = await probe(base, route, sim.userToken);
      probes++;
      if (ALL_USERS.has(key)) assert.ok(nonAdmin !== 401 && nonAdmin !== 403, `${key} is for every user (${nonAdmin})`);
      else assert.equal(nonAdmin, 403, `${listener} ${key} as a non-admin`);
    }
    assert.ok(probes >= 30, `${probes} probes`);
    assert.deepEqual(problems, [], 'every JSON answer matches /openapi.json');
    t.diagnostic(`${listener}: ${inventory().length} routes, ${probes} probes`);
  });
}
