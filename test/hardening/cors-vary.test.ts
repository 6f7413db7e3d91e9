/**
 * CORS answers that depend on the request's Origin carry `Vary: Origin` on every response, allowed
 * origin or not, success or error, so a shared cache never serves one origin's answer to another.
 * With `*` the answer does not depend on the origin. Preflights allow every method the API has.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Router from '@koa/router';
import { createApp } from '../../src/http/app.ts';
import { captureLogger } from '../log-capture.ts';

async function serve(corsOrigins: string[]): Promise<{ base: string; server: http.Server }> {
  const router = new Router();
  router.get('/thing', (ctx) => {
    ctx.body = { success: true, data: 1 };
  });
  const server = http.createServer(createApp({ logger: captureLogger('info').logger, routers: [router], corsOrigins }).callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const varies = (res: Response) => (res.headers.get('vary') ?? '').split(',').map((v) => v.trim().toLowerCase()).includes('origin');

describe('Vary: Origin with a list of origins', () => {
  let base: string;
  let server: http.Server;
  before(async () => ({ base, server } = await serve(['https://ok.example'])));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is on allowed, refused and origin-less answers, and on errors', async () => {
    const answers = [
      await fetch(`${base}/thing`, { headers: { Origin: 'https://ok.example' } }),
      await fetch(`${base}/thing`, { headers: { Origin: 'https://evil.example' } }),
      await fetch(`${base}/thing`),
      await fetch(`${base}/nothing-here`, { headers: { Origin: 'https://evil.example' } }),
    ];
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 404]);
    for (const res of answers) assert.ok(varies(res), `Vary: ${res.headers.get('vary')}`);
    assert.equal(answers[1]!.headers.get('access-control-allow-origin'), null);
  });

  it('a preflight allows PUT (the thresholds route) as well', async () => {
    const res = await fetch(`${base}/thing`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://ok.example', 'Access-Control-Request-Method': 'PUT' },
    });
    assert.equal(res.status, 204);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /\bPUT\b/);
    assert.ok(varies(res));
  });
});

describe('with cors_origins = *', () => {
  let base: string;
  let server: http.Server;
  before(async () => ({ base, server } = await serve(['*'])));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers * without depending on the origin', async () => {
    const res = await fetch(`${base}/thing`, { headers: { Origin: 'https://any.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.ok(!varies(res));
  });
});
