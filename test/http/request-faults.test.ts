/**
 * Faults a client can cause before it is even known: a request body it abandons half-way, a body
 * it never finishes, and a token check that cannot reach Home Assistant. None of them may become
 * an internal error, wait on a body the server does not need, or tell the caller an internal
 * address (issue 13, defects 2 and 5).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Router from '@koa/router';
import { checkToken } from '../../src/ha/token-check.ts';
import { createApp } from '../../src/http/app.ts';
import { Authenticator } from '../../src/http/auth.ts';
import { Listener } from '../../src/http/listeners.ts';
import { captureLogger } from '../log-capture.ts';
import { RawSocketClient, startHarness, until, type Harness } from './subscribe-harness.ts';

/** A POST that announces 100 bytes and sends 10. `Expect: 100-continue` makes Node answer `100 Continue` once the request reached the app. */
const partialPost = (path: string, headers = '') =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n${headers}\r\n{"events":`;

const levels = (logs: string[]) => logs.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { level: number; msg: string });

describe('request bodies the client does not finish', () => {
  let harness: Harness;
  before(async () => (harness = await startHarness()));
  after(() => harness.stop());

  it('an aborted body is a debug line, not an internal error', async () => {
    const client = new RawSocketClient(harness.lan, partialPost('/subscribe_events'));
    await until(() => client.text.includes('100 Continue'), 'the server has the request');
    client.close();
    await until(() => harness.logs.join('').includes('client aborted the request'), `the abort is logged: ${harness.logs.join('')}`);
    const lines = levels(harness.logs);
    assert.deepEqual(lines.filter((line) => line.level >= 40), [], 'nothing above info for a client abort');
    assert.equal(lines.find((line) => line.msg === 'client aborted the request')?.level, 20);
  });

  it('a Bearer token is checked before the body is read', async () => {
    const client = new RawSocketClient(harness.lan, partialPost('/subscribe_events', 'Authorization: Bearer not-a-token\r\n'));
    // The body never completes; the answer must come anyway.
    await until(() => /HTTP\/1\.1 4\d\d /.test(client.text), 'an answer while the body is still open');
    assert.match(client.text, /HTTP\/1\.1 401 /);
    assert.match(client.text, /"error_code":"invalid_token"/);
    client.close();
  });
});

describe('a token check that cannot reach Home Assistant', () => {
  const { logger, chunks } = captureLogger('debug');
  const router = new Router();
  let listener: Listener;
  before(async () => {
    // The real token check against a closed port: ECONNREFUSED at an internal address.
    const auth = new Authenticator({
      trustIngress: false,
      resolver: {
        resolve: async (token) => {
          const user = await checkToken({ wsUrl: 'ws://127.0.0.1:1/api/websocket', token, timeoutMs: 2000 });
          if (!user) throw new Error('unexpected rejection');
          return user;
        },
      },
    });
    router.get('/private', async (ctx) => {
      await auth.authenticate(ctx.req);
      ctx.body = { success: true };
    });
    listener = new Listener(createApp({ logger, routers: [router], corsOrigins: [] }), { name: 'lan', host: '127.0.0.1', port: 0 });
    await listener.start();
  });
  after(() => listener.stop(200));

  it('answers 503 upstream_unavailable naming no address or library error; the detail goes to the log', async () => {
    const res = await fetch(`http://127.0.0.1:${listener.port}/private`, { headers: { Authorization: 'Bearer some-token-123' } });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '5');
    const body = (await res.json()) as { message: string; error_code: string };
    assert.deepEqual(body, { success: false, message: 'Home Assistant is not reachable', error_code: 'upstream_unavailable' });
    const logged = chunks.join('');
    assert.match(logged, /ECONNREFUSED 127\.0\.0\.1:1/, 'the operator still learns why');
    assert.ok(!logged.includes('some-token-123'), 'no token in the log');
  });
});
