/**
 * The TLS port (`ssl`): HTTP/2 and HTTP/1.1 on the same port (ALPN), streams and replay over
 * HTTP/2 (`h2-stream.ts`) and over HTTP/1.1 on a TLS socket (the takeover of `listeners.ts`),
 * gzip batches, per-stream backpressure on a shared connection, and the certificate checks.
 * A real Listener with a certificate made by openssl, node:http2 and node:https clients.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import type http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { Listener } from '../../src/http/listeners.ts';
import { TlsCertificateError, loadTlsCertificate } from '../../src/http/tls-certificate.ts';
import { createApp } from '../../src/http/app.ts';
import { captureLogger } from '../log-capture.ts';
import { type TestCertificate, makeTestCertificate } from '../tls-cert.ts';
import { ADMIN_TOKEN, FrameParser, type Harness, type HarnessOptions, stateEvent, perTest } from './subscribe-harness.ts';
import { until } from '../until.ts';
import { connectH2, openH2, requestH2 } from './h2-client.ts';

let cert: TestCertificate;
before(() => {
  cert = makeTestCertificate();
});
after(() => cert.remove());

const { harness, onCleanup } = perTest();
const tlsHarness = (options: HarnessOptions = {}): Promise<Harness> => harness({ ...options, tls: { certFile: cert.certFile, keyFile: cert.keyFile } });

async function session(h: Harness): Promise<http2.ClientHttp2Session> {
  const s = await connectH2(h.lan, cert.cert);
  onCleanup(() => s.destroy());
  return s;
}

const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** An HTTP/1.1 request over TLS (no ALPN offer of h2): status, protocol version, body. */
function https1(url: string, headers: Record<string, string> = {}): Promise<{ status: number; version: string; alpn: string | false; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: cert.cert, headers, agent: false, ALPNProtocols: ['http/1.1'] } as https.RequestOptions, (res) => {
      const alpn = (res.socket as TLSSocket).alpnProtocol ?? false;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, version: res.httpVersion, alpn, body }));
    });
    req.on('error', reject);
  });
}

describe('one TLS port, two protocols', () => {
  test('a client that offers h2 gets HTTP/2, one that does not gets HTTP/1.1, same answers', async () => {
    const h = await tlsHarness();
    assert.match(h.lan, /^https:/);
    const s = await session(h);
    assert.equal(s.alpnProtocol, 'h2');
    const h2 = await requestH2(s, '/no-such-route');
    assert.equal(h2.status, 404);
    assert.equal(h2.json.error_code, 'not_found');

    const h1 = await https1(`${h.lan}/no-such-route`);
    assert.equal(h1.alpn, 'http/1.1');
    assert.equal(h1.version, '1.1');
    assert.equal(h1.status, 404);
    assert.equal((JSON.parse(h1.body) as { error_code: string }).error_code, 'not_found');
  });

  test('HEAD and refusals over HTTP/2 carry no connection-specific header', async () => {
    const h = await tlsHarness({ limits: { maxClients: 1 } });
    const s = await session(h);
    const head = await openH2(s, '/subscribe_events', { ':method': 'HEAD', ...AUTH });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-type'], 'text/event-stream');
    assert.equal(head.headers.connection, undefined);

    const first = await openH2(s, '/subscribe_events', AUTH);
    onCleanup(() => first.close());
    await first.waitFor((x) => x.frames.length > 0, 'the first stream opens');
    const refused = await openH2(s, '/subscribe_events', { ...AUTH, accept: 'text/event-stream' });
    await refused.waitFor((x) => x.ended, 'the refusal ends');
    assert.equal(refused.status, 200);
    assert.equal(refused.headers.connection, undefined);
    assert.equal(refused.frames[0]!.json.type, 'error');
    assert.equal(refused.frames[0]!.json.error, 'too_many_clients');
  });
});

describe('limits over HTTP/2', () => {
  test('the request budget counts HTTP/2 requests and answers 429 with its headers', async () => {
    const h = await tlsHarness({ requestsPerMinute: 2 });
    const s = await session(h);
    for (let i = 0; i < 2; i++) assert.equal((await requestH2(s, '/subscribe_events?events=bad!')).status, 400);
    const over = await requestH2(s, '/subscribe_events?events=bad!');
    assert.equal(over.status, 429);
    assert.equal(over.json.error_code, 'rate_limit_exceeded');
    assert.equal(over.headers['x-ratelimit-remaining'], '0');
    assert.ok(Number(over.headers['retry-after']) > 0);
  });
});

describe('streams over HTTP/2', () => {
  test('events arrive, and a reconnect with Last-Event-ID resumes exactly', async () => {
    const h = await tlsHarness();
    const s = await session(h);
    const first = await openH2(s, '/subscribe_events?entity_id=light.a', AUTH);
    assert.equal(first.status, 200);
    assert.equal(first.headers['content-type'], 'text/event-stream');
    await first.waitFor((x) => x.frames.some((f) => f.json.type === 'connection'), 'connection frame');
    assert.equal(h.hub.list()[0]!.httpVersion, '2.0');
    for (const state of ['1', '2', '3']) h.publish(stateEvent('light.a', state));
    await first.waitFor((x) => x.events.length === 3, 'three events');
    const resumeFrom = first.events[1]!.id!;
    first.close();
    await until(() => h.hub.list().length === 0, 'the first stream is gone');
    for (const state of ['4', '5']) h.publish(stateEvent('light.a', state));

    const resumed = await openH2(s, '/subscribe_events?entity_id=light.a', { ...AUTH, 'last-event-id': resumeFrom });
    onCleanup(() => resumed.close());
    await resumed.waitFor((x) => x.events.length === 3, 'the three events after the resume point');
    assert.deepEqual(resumed.events.map((f) => (f.json.data as { state: string }).state), ['3', '4', '5']);
    assert.ok(!resumed.frames.some((f) => f.json.type === 'error'), 'no replay_gap');
  });

  test('a replay larger than the slow-consumer limit, written in one go, does not count as a slow consumer', async () => {
    const h = await tlsHarness({ limits: { slowConsumerLimitBytes: 16 * 1024 } });
    const s = await session(h);
    const big = 'x'.repeat(1500);
    // An open stream keeps state_changed recorded for replay (the hub records what someone wants).
    const holder = await openH2(s, '/subscribe_events?entity_id=light.a', AUTH);
    onCleanup(() => holder.close());
    await holder.waitFor((x) => x.frames.length > 0, 'the holder opens');
    const first = h.publish(stateEvent('light.a', 'first'));
    // 30 events of ~1.6 KB: about 48 KB, three times the limit, and within the client's 64 KiB window.
    for (let i = 0; i < 30; i++) {
      h.publish({ ...stateEvent('light.a', String(i)), data: { entity_id: 'light.a', state: String(i), attributes: { big }, old_state: null } });
    }
    const resumed = await openH2(s, '/subscribe_events?entity_id=light.a', { ...AUTH, 'last-event-id': first.id });
    onCleanup(() => resumed.close());
    await resumed.waitFor((x) => x.events.length === 30, 'the whole replay');
    assert.ok(!resumed.frames.some((f) => f.json.type === 'error'));
    assert.deepEqual(h.observer.reasons(), []);
    assert.equal(h.hub.list().length, 2);
  });

  test('a batch stream is gzip-compressed over HTTP/2 too', async () => {
    const h = await tlsHarness();
    const s = await session(h);
    const stream = await openH2(s, '/subscribe_events?entity_id=light.a&batch=20', { ...AUTH, 'accept-encoding': 'gzip' }, { gunzip: true });
    onCleanup(() => stream.close());
    assert.equal(stream.headers['content-encoding'], 'gzip');
    await stream.waitFor((x) => x.frames.some((f) => f.json.type === 'connection'), 'connection frame');
    h.publish(stateEvent('light.a', 'on'));
    h.publish(stateEvent('light.a', 'off'));
    await stream.waitFor((x) => x.events.some((f) => f.json.type === 'batch'), 'a batch frame');
    const batches = stream.events.filter((f) => f.json.type === 'batch');
    const states = batches.flatMap((b) => (b.json.messages as { data: { state: string } }[]).map((m) => m.data.state));
    assert.deepEqual(states, ['on', 'off']);
  });

  test('streams share one connection: a stalled one is closed as slow_consumer, its neighbour keeps receiving', async () => {
    const h = await tlsHarness({ limits: { slowConsumerLimitBytes: 32 * 1024 } });
    const s = await session(h);
    const stalled = await openH2(s, '/subscribe_events?entity_id=light.a', AUTH);
    const reading = await openH2(s, '/subscribe_events?entity_id=light.a', AUTH);
    onCleanup(() => stalled.close(), () => reading.close());
    await stalled.waitFor((x) => x.frames.length > 0, 'the stalled stream opens');
    await reading.waitFor((x) => x.frames.length > 0, 'the reading stream opens');
    stalled.stream.pause(); // reads nothing more: its flow-control window closes, the server's buffer fills

    // One event at a time, each read by the neighbour before the next: only the stalled stream falls behind.
    const big = 'x'.repeat(2000);
    let published = 0;
    while (!h.observer.reasons().includes('slow_consumer')) {
      assert.ok(published < 1000, 'the stalled stream should have been closed long ago');
      h.publish({ ...stateEvent('light.a', String(published)), data: { entity_id: 'light.a', state: String(published), attributes: { big }, old_state: null } });
      published++;
      await reading.waitFor((x) => x.events.length === published, `event ${published} on the reading stream`);
    }
    // The stalled stream cannot take its goodbye frame: it is reset after the close grace.
    await until(() => h.hub.list().length === 1, 'the stalled stream is gone, the reading one stays');
    h.publish(stateEvent('light.a', 'after'));
    await reading.waitFor((x) => x.events.at(-1)?.json.data !== undefined && (x.events.at(-1)!.json.data as { state: string }).state === 'after', 'a later event');
    assert.equal(s.destroyed, false, 'the connection is still open');
    assert.deepEqual(h.observer.reasons(), ['slow_consumer'], 'only the stalled stream was closed');
  });
});

describe('HTTP/1.1 on the TLS port', () => {
  test('a stream is served on the TLS socket (taken over), chunked, and resumes exactly', async () => {
    const h = await tlsHarness();
    const frames = new FrameParser();
    let response: IncomingMessage | undefined;
    const req = https.get(
      `${h.lan}/subscribe_events?entity_id=light.a`,
      { ca: cert.cert, headers: AUTH, agent: false, ALPNProtocols: ['http/1.1'] } as https.RequestOptions,
      (res) => {
        response = res;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => frames.push(chunk));
      },
    );
    req.on('error', () => {});
    onCleanup(() => req.destroy());
    await until(() => frames.frames.some((f) => f.json.type === 'connection'), 'connection frame');
    assert.equal(response!.headers['transfer-encoding'], 'chunked');
    assert.equal(h.hub.list()[0]!.httpVersion, '1.1');
    h.publish(stateEvent('light.a', 'on'));
    await until(() => frames.frames.some((f) => f.json.type === 'state_changed'), 'the event');
  });
});

describe('the certificate', () => {
  const logger = captureLogger('error').logger;

  test('a missing, garbled or mismatched file is one line naming the file and the problem', () => {
    const missing = join(cert.dir, 'nope.pem');
    const garbage = join(cert.dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    const other = makeTestCertificate();
    try {
      const cases: [{ certFile: string; keyFile: string }, RegExp][] = [
        [{ certFile: missing, keyFile: cert.keyFile }, /^certfile .*nope\.pem does not exist; /],
        [{ certFile: cert.certFile, keyFile: missing }, /^keyfile .*nope\.pem does not exist; /],
        [{ certFile: cert.dir, keyFile: cert.keyFile }, /^certfile .* is a folder; /],
        [{ certFile: garbage, keyFile: cert.keyFile }, /^certfile .*garbage\.pem holds no PEM certificate; /],
        [{ certFile: cert.certFile, keyFile: garbage }, /^keyfile .*garbage\.pem holds no unencrypted PEM private key; /],
        [{ certFile: cert.certFile, keyFile: other.keyFile }, /^keyfile .* does not belong to the certificate in /],
      ];
      for (const [files, message] of cases) {
        assert.throws(() => loadTlsCertificate(files), (err: unknown) => {
          assert.ok(err instanceof TlsCertificateError);
          assert.match(err.message, message);
          assert.ok(!err.message.includes('\n'), 'one line');
          return true;
        });
      }
      assert.deepEqual(Object.keys(loadTlsCertificate(cert)).sort(), ['cert', 'key']);
    } finally {
      other.remove();
    }
  });

  test('a listener with an unusable certificate does not open its port', async () => {
    const listener = new Listener(createApp({ logger, routers: [], corsOrigins: [] }), {
      name: 'lan',
      host: '127.0.0.1',
      port: 0,
      tls: { certFile: join(cert.dir, 'nope.pem'), keyFile: cert.keyFile },
    });
    await assert.rejects(listener.start(), TlsCertificateError);
    assert.equal(listener.server.listening, false);
  });
});
