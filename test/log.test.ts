/**
 * No token reaches the log. Real HTTP requests through the real Koa app carry tokens in
 * `Authorization` headers, `?token=`/`?access_token=` query parameters and `access_token`/`token`
 * JSON fields; routes log what careless code would log (headers, bodies, failing errors), and the
 * error funnel logs its own lines. The captured output must hold none of the tokens.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import Router from '@koa/router';
import { createApp } from '../src/http/app.ts';
import { readJsonBody } from '../src/http/body.ts';
import { SecretScrubber, createLogger, maskTokenShapes, redactUrl } from '../src/base/log.ts';

const fakeToken = (label: string) => `${label}-${randomBytes(20).toString('hex')}`;

describe('log redaction with real requests', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  const scrubber = new SecretScrubber();
  const upstreamToken = fakeToken('upstream');
  scrubber.add(upstreamToken);
  const logger = createLogger({ level: 'trace', destination: sink, scrubber });
  const tokens: string[] = [upstreamToken];
  const token = (label: string) => {
    const t = fakeToken(label);
    tokens.push(t);
    return t;
  };

  const router = new Router();
  router.get('/echo', (ctx) => {
    logger.info({ headers: ctx.headers }, 'incoming headers');
    logger.info({ req: { method: ctx.method, url: ctx.url, headers: ctx.req.headers } }, 'incoming request');
    logger.info({ url: ctx.url }, 'url as a field');
    ctx.body = { success: true };
  });
  router.post('/login', async (ctx) => {
    const body = await readJsonBody(ctx);
    logger.info({ body }, 'body');
    logger.info({ access_token: body.access_token, token: body.token }, 'fields at the top');
    ctx.body = { success: true };
  });
  router.get('/boom', () => {
    // A failure that carries the process's own upstream token in its message, and a decorated error.
    throw new Error(`upstream refused token ${upstreamToken}`);
  });
  router.get('/boom-decorated', (ctx) => {
    throw Object.assign(new Error('validation failed'), { token: ctx.query.token, access_token: ctx.query.access_token });
  });

  const app = createApp({ logger, routers: [router], corsOrigins: [] });
  const server = http.createServer(app.callback());
  let base = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps every token out of the output', async () => {
    const bearer = token('bearer');
    let res = await fetch(`${base}/echo?token=${token('query')}&x=1&access_token=${token('query-access')}`, {
      headers: { Authorization: `Bearer ${bearer}`, Cookie: `session=${token('cookie')}` },
    });
    assert.equal(res.status, 200);

    res = await fetch(`${base}/login?token=${token('login-query')}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token('login-bearer')}` },
      body: JSON.stringify({ access_token: token('body-access'), token: token('body-token'), user: 'me' }),
    });
    assert.equal(res.status, 200);

    // Broken JSON that contains a token: 400, and the body text is not logged.
    res = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: `{"access_token": "${token('broken-json')}",`,
    });
    assert.equal(res.status, 400);

    res = await fetch(`${base}/boom?access_token=${token('boom-query')}`, { headers: { Authorization: `Bearer ${token('boom-bearer')}` } });
    assert.equal(res.status, 500);
    const body = (await res.json()) as { message: string };
    assert.equal(body.message, 'Internal server error');

    res = await fetch(`${base}/boom-decorated?token=${token('decorated')}&access_token=${token('decorated-access')}`);
    assert.equal(res.status, 500);

    res = await fetch(`${base}/nowhere?token=${token('not-found')}`);
    assert.equal(res.status, 404);

    await new Promise((resolve) => setImmediate(resolve));
    const output = lines.join('');

    // The logging really happened (otherwise the absence of tokens would prove nothing).
    for (const msg of ['incoming headers', 'incoming request', 'url as a field', 'body', 'fields at the top', 'request failed']) {
      assert.ok(output.includes(`"msg":"${msg}"`), `expected a "${msg}" line`);
    }
    assert.ok((output.match(/"msg":"request failed"/g) ?? []).length === 2, 'both 500s are logged');
    assert.ok((output.match(/"msg":"request"/g) ?? []).length >= 6, 'every request gets a debug line');
    assert.ok(output.includes('[REDACTED]'));
    assert.ok(output.includes('"user":"me"'), 'other body fields are still logged');

    for (const t of tokens) assert.ok(!output.includes(t), `token ${t.split('-')[0]} leaked:\n${output}`);
    // Not even a fragment of the random part.
    for (const t of tokens) assert.ok(!output.includes(t.slice(-16)));
  });
});

describe('redactUrl', () => {
  it('masks token and access_token query values, whatever their case and position', () => {
    assert.equal(redactUrl('/s?token=abc&x=1'), '/s?token=[REDACTED]&x=1');
    assert.equal(redactUrl('/s?x=1&access_token=abc#f'), '/s?x=1&access_token=[REDACTED]#f');
    assert.equal(redactUrl('/s?TOKEN=abc'), '/s?TOKEN=[REDACTED]');
    assert.equal(redactUrl('/s?tokens=abc'), '/s?tokens=abc');
  });
});

describe('maskTokenShapes', () => {
  it('masks secret-named fields at any depth, Bearer credentials and query tokens in free text', () => {
    const t = fakeToken('deep');
    const line = JSON.stringify({
      a: { b: { c: { token: t, access_token: t, Authorization: `Bearer ${t}` } } },
      msg: `GET /x?a=1&token=${t} failed; header was Bearer ${t}`,
      tokens: 3,
    });
    const masked = maskTokenShapes(line);
    assert.ok(!masked.includes(t), masked);
    assert.deepEqual(JSON.parse(masked), {
      a: { b: { c: { token: '[REDACTED]', access_token: '[REDACTED]', Authorization: '[REDACTED]' } } },
      msg: 'GET /x?a=1&token=[REDACTED] failed; header was Bearer [REDACTED]',
      tokens: 3,
    });
  });

  it('keeps escaped quotes inside a masked value from breaking the JSON', () => {
    const masked = maskTokenShapes(JSON.stringify({ token: 'a"b\\c', next: 1 }));
    assert.deepEqual(JSON.parse(masked), { token: '[REDACTED]', next: 1 });
  });
});

describe('SecretScrubber', () => {
  it('scrubs registered secrets and ignores short strings', () => {
    const scrubber = new SecretScrubber();
    const secret = fakeToken('s');
    scrubber.add(secret);
    scrubber.add('short');
    scrubber.add(undefined);
    assert.equal(scrubber.scrub(`a ${secret} b ${secret}`), 'a [REDACTED] b [REDACTED]');
    assert.equal(scrubber.scrub('a short word'), 'a short word');
  });
});
