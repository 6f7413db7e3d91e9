/**
 * Seeded fuzzing of the real process (demo mode): every route the routers have (walked from the
 * app, as in route-inventory.test.ts) with random methods, query strings, headers and bodies, and
 * random /ws messages. No answer may be a 500, no body may carry a stack trace or a token, and the
 * process must still be healthy at the end. FUZZ_SEED and FUZZ_REQUESTS replay or widen a run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/config.ts';
import { SseHubServer } from '../../src/app/server.ts';
import { captureLogger } from '../log-capture.ts';
import { childEnv, demoAdminToken, findLine, killLeftovers, start, waitFor, type Run } from '../process-harness.ts';
import { METHODS, Rng, bodyFor, headersFor, pathFor, wsMessage } from './fuzz-input.ts';
import { OpenApiCheck } from './openapi-check.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 1500);
const WS_MESSAGES = Number(process.env.FUZZ_WS_MESSAGES ?? 400);
const STACK = /\n\s+at .+\(|node:internal|\/src\/[\w/-]+\.ts/;

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-fuzz-'));
let run: Run;
let base: string;
let tokens: { admin: string; user: string };
let routes: string[];

before(async () => {
  // The route list comes from the routers of a server that is built but never started.
  const probe = new SseHubServer(loadConfig(childEnv(dir, { DEMO_EVENT_RATE: '0' })), captureLogger('info').logger);
  routes = [];
  for (const middleware of probe.app.middleware) {
    const router = (middleware as { router?: { stack: { path: string; methods: string[] }[] } }).router;
    for (const layer of router?.stack ?? []) if (layer.methods.length > 0) routes.push(layer.path);
  }
  routes.push('/', '/ws', '/nope', '/api', '/api/sse', '/api/sse/connections/');
  run = start(['--import', 'tsx', 'src/main.ts'], ROOT, childEnv(dir, { DEMO_EVENT_RATE: '5', RATE_LIMIT_PER_MINUTE: '100000', STREAM_LIMIT: '1000' }));
  const line = await waitFor('"SSE Hub started"', run, () => findLine(run.stdout(), 'SSE Hub started'), 40_000);
  base = `http://127.0.0.1:${String(line.lanPort)}`;
  const admin = await demoAdminToken(run);
  // The demo prints only the admin token; the second one is unknown to core and must not be echoed either.
  tokens = { admin, user: 'fuzz-unknown-token-7f3a9c1e5b' };
});

after(() => {
  killLeftovers();
  rmSync(dir, { recursive: true, force: true });
});

function assertClean(what: string, body: string): void {
  assert.ok(!STACK.test(body), `${what}: no stack or source path in the body: ${body.slice(0, 300)}`);
  assert.ok(!body.includes(tokens.admin) && !body.includes(tokens.user), `${what}: no token in the body`);
}

test(`HTTP: ${REQUESTS} seeded requests over every route, method, query, header and body (seed ${SEED})`, async (t) => {
  const rng = new Rng(SEED);
  const statuses = new Map<number, number>();
  // Answers of documented operations must match the document, refusals included.
  const api = await OpenApiCheck.load(base);
  const problems: string[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const method = rng.pick(METHODS);
    const path = pathFor(rng, rng.pick(routes));
    const headers = headersFor(rng, tokens);
    const body = method === 'GET' || method === 'HEAD' ? undefined : bodyFor(rng);
    const what = `#${i} ${method} ${path.slice(0, 120)} ${JSON.stringify(headers).slice(0, 200)}`;
    const controller = new AbortController();
    const res = await fetch(`${base}${path}`, { method, headers, body, signal: controller.signal });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    assert.ok(res.status < 500 || res.status === 501 || res.status === 503, `${what}: status ${res.status}`);
    // A stream that opened is read for its first frame only.
    const text = res.headers.get('content-type')?.startsWith('text/event-stream')
      ? await firstChunk(res)
      : await res.text();
    controller.abort();
    assertClean(what, text);
    const type = res.headers.get('content-type') ?? '';
    if (method !== 'HEAD' && type.startsWith('application/json') && api.documents(method, path)) {
      problems.push(...api.check(method, path, res.status, type, JSON.parse(text)));
    }
  }
  assert.deepEqual(problems.slice(0, 10), [], `${problems.length} answers differ from /openapi.json`);
  t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
  assert.equal(statuses.get(500) ?? 0, 0);
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200, 'the process is still healthy');
  assert.equal(run.child.exitCode, null, 'the process is alive');
});

async function firstChunk(res: Response): Promise<string> {
  if (!res.body) return ''; // HEAD
  const reader = res.body.getReader();
  const { value } = await reader.read();
  await reader.cancel().catch(() => undefined);
  return Buffer.from(value ?? new Uint8Array()).toString();
}

test(`/ws: ${WS_MESSAGES} seeded messages (seed ${SEED})`, async (t) => {
  const rng = new Rng(SEED + 1);
  let replies = 0;
  let sockets = 0;
  let sent = 0;
  while (sent < WS_MESSAGES) {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, { headers: { Authorization: `Bearer ${tokens.admin}` } });
    sockets++;
    const received: string[] = [];
    ws.on('message', (data) => received.push(data.toString()));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.once('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`/ws upgrade refused: ${res.statusCode}`)));
    });
    // A burst of messages on one socket, then a ping round trip to know every reply arrived.
    const burst = 1 + rng.int(40);
    for (let i = 0; i < burst && sent < WS_MESSAGES; i++, sent++) {
      if (ws.readyState !== WebSocket.OPEN) break;
      ws.send(rng.chance(0.05) ? Buffer.from([0xff, 0x00, 0x81]) : wsMessage(rng, i + 1));
    }
    if (ws.readyState === WebSocket.OPEN) ws.close();
    const code = await closed;
    assert.notEqual(code, 1011, 'no internal error close');
    for (const text of received) assertClean(`/ws reply`, text);
    replies += received.length;
  }
  t.diagnostic(`${sent} messages on ${sockets} sockets, ${replies} replies`);
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal(run.child.exitCode, null);
  const errors = run.stdout().split('\n').filter((l) => l.includes('"level":50'));
  assert.deepEqual(errors.slice(0, 5), [], 'nothing logged as an internal error');
});
