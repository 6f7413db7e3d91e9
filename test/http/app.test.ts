/**
 * The Koa app's error funnel over real HTTP: every failure becomes `{success:false, message,
 * error_code}` with the right status (404, 405, 501, 400 bad JSON, 413, typed errors with their
 * headers, 500 without leaking the message), and /healthz answers.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Router from '@koa/router';
import { createApp } from '../../src/http/app.ts';
import { readJsonBody } from '../../src/http/body.ts';
import { HttpError, forbidden, unauthorized } from '../../src/http/errors.ts';
import { healthRouter } from '../../src/http/routes/health.ts';
import type { UpstreamState } from '../../src/base/types.ts';
import { captureLogger } from '../log-capture.ts';

const { logger, chunks: logLines } = captureLogger('info');

const router = new Router();
router.get('/thing', (ctx) => {
  ctx.body = { success: true, data: 1 };
});
router.post('/json', async (ctx) => {
  ctx.body = { success: true, data: await readJsonBody(ctx) };
});
router.get('/explode', () => {
  throw new Error('database password is hunter2-not-real');
});
router.get('/forbidden', () => {
  throw forbidden('Only admins', 'admin_required');
});
router.get('/private', () => {
  throw unauthorized();
});
router.get('/limited', () => {
  throw new HttpError(429, 'rate_limit_exceeded', 'Slow down', { 'Retry-After': '7' });
});
router.get('/stream', (ctx) => {
  // A route that takes over the socket, as /subscribe_events does.
  ctx.respond = false;
  ctx.res.writeHead(200, { 'Content-Type': 'text/event-stream' });
  ctx.res.end('data: {}\n\n');
});

let upstream: UpstreamState | undefined;
const app = createApp({ logger, routers: [healthRouter({ upstream: () => upstream }), router], corsOrigins: ['https://ok.example'] });
const server = http.createServer(app.callback());
let base = '';
let port = 0;
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function expectError(res: Response, status: number, code: string): Promise<{ message: string }> {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await res.json()) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['error_code', 'message', 'success']);
  assert.equal(body.success, false);
  assert.equal(body.error_code, code);
  assert.equal(typeof body.message, 'string');
  return body as { message: string };
}

/** A raw request (fetch refuses some methods and sets Content-Length itself). */
function raw(method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('error funnel', () => {
  it('404 for unknown paths', async () => {
    const body = await expectError(await fetch(`${base}/nope`), 404, 'not_found');
    assert.equal(body.message, 'No route for GET /nope');
  });

  it('405 with Allow for a known path and a wrong method', async () => {
    const res = await fetch(`${base}/thing`, { method: 'DELETE' });
    await expectError(res, 405, 'method_not_allowed');
    assert.match(res.headers.get('allow') ?? '', /\bGET\b/);
    await expectError(await fetch(`${base}/healthz`, { method: 'POST' }), 405, 'method_not_allowed');
  });

  it('OPTIONS lists the allowed methods', async () => {
    const res = await fetch(`${base}/thing`, { method: 'OPTIONS' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('allow') ?? '', /\bGET\b/);
  });

  it('501 for methods no router implements', async () => {
    const res = await raw('PROPFIND', '/thing');
    assert.equal(res.status, 501);
    assert.equal((JSON.parse(res.text) as { error_code: string }).error_code, 'not_implemented');
  });

  it('400 for a body that is not JSON, 200 for one that is', async () => {
    const bad = await fetch(`${base}/json`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"a":' });
    await expectError(bad, 400, 'invalid_json');
    const notObject = await fetch(`${base}/json`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[1]' });
    await expectError(notObject, 400, 'invalid_json');
    const good = await fetch(`${base}/json`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' });
    assert.deepEqual(await good.json(), { success: true, data: { a: 1 } });
  });

  it('413 for a body over 64 KiB, declared or streamed', async () => {
    const big = Buffer.alloc(70 * 1024, 'a');
    const declared = await raw('POST', '/json', big, { 'Content-Type': 'application/json', 'Content-Length': String(big.length) });
    assert.equal(declared.status, 413);
    assert.equal((JSON.parse(declared.text) as { error_code: string }).error_code, 'payload_too_large');
    const chunked = await raw('POST', '/json', big, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    assert.equal(chunked.status, 413);
  });

  it('typed errors keep their status, code and headers', async () => {
    await expectError(await fetch(`${base}/forbidden`), 403, 'admin_required');
    const unauth = await fetch(`${base}/private`);
    await expectError(unauth, 401, 'unauthorized');
    assert.equal(unauth.headers.get('www-authenticate'), 'Bearer');
    const limited = await fetch(`${base}/limited`);
    await expectError(limited, 429, 'rate_limit_exceeded');
    assert.equal(limited.headers.get('retry-after'), '7');
  });

  it('500 for unknown errors, without their message, which goes to the log', async () => {
    const res = await fetch(`${base}/explode`);
    const body = await expectError(res, 500, 'internal_error');
    assert.equal(body.message, 'Internal server error');
    assert.ok(!JSON.stringify(body).includes('hunter2'));
    await new Promise((resolve) => setImmediate(resolve));
    const logged = logLines.find((l) => l.includes('"msg":"request failed"'));
    assert.ok(logged, 'the failure is logged');
    assert.ok(logged.includes('hunter2-not-real') && logged.includes('"url":"/explode"'));
  });

  it('leaves streams that took over the socket alone', async () => {
    const res = await fetch(`${base}/stream`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'data: {}\n\n');
  });

  it('adds CORS headers for configured origins only', async () => {
    const ok = await fetch(`${base}/thing`, { headers: { Origin: 'https://ok.example' } });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://ok.example');
    const other = await fetch(`${base}/thing`, { headers: { Origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});

describe('/healthz', () => {
  it('answers 200 without a token, not cached, with the upstream state', async () => {
    upstream = undefined;
    let res = await fetch(`${base}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), { success: true, data: { status: 'ok', upstream: 'starting' } });
    upstream = 'connected';
    res = await fetch(`${base}/healthz`);
    assert.deepEqual(await res.json(), { success: true, data: { status: 'ok', upstream: 'connected' } });
  });
});
