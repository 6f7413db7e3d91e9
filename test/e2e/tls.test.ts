/**
 * The whole product with `ssl` on (demo mode, a certificate made by openssl): headless Chromium
 * opens ten `EventSource`s to one origin and every one receives (HTTP/2 multiplexes them on one
 * connection; HTTP/1.1 would stall the seventh), the `/ws` API works on the TLS port for HTTP/1.1
 * clients, the ingress port stays plain HTTP, and a certificate that cannot be read stops the
 * process with one line on stderr and exit code 2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { WebSocket } from 'ws';
import { type DemoServer, startDemoServer } from '../demo-server.ts';
import { childEnv, killLeftovers, start as startProcess, within } from '../process-harness.ts';
import { type TestCertificate, makeTestCertificate } from '../tls-cert.ts';
import { until } from '../until.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let cert: TestCertificate;
let demo: DemoServer;
let browser: Browser | undefined;
const dir = mkdtempSync(join(tmpdir(), 'sse-hub-tls-e2e-'));

before(async () => {
  cert = makeTestCertificate();
  // STREAM_LIMIT=0: ten new streams from one user and address within a minute are the point here.
  demo = await startDemoServer({ SSL: 'true', SSL_DIR: cert.dir, STREAM_LIMIT: '0', DEMO_EVENT_RATE: '20' });
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  cert?.remove();
  killLeftovers();
  rmSync(dir, { recursive: true, force: true });
});

describe('the TLS port of the whole product', () => {
  it('Chromium: ten EventSources to one origin over HTTP/2, all receiving', { timeout: 60_000 }, async () => {
    assert.match(demo.base, /^https:/);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    // Any page of the origin: the streams are same-origin, no CORS involved.
    await page.goto(`${demo.base}/openapi.json`);
    await page.evaluate((token) => {
      const counts: number[] = [];
      (window as unknown as { counts: number[] }).counts = counts;
      for (let i = 0; i < 10; i++) {
        counts.push(0);
        const es = new EventSource(`/subscribe_events?token=${token}`);
        es.onmessage = (e) => {
          if ((JSON.parse(e.data) as { type: string }).type === 'state_changed') counts[i]!++;
        };
      }
    }, demo.sim.userToken);
    const deadline = Date.now() + 30_000;
    let counts: number[] = [];
    for (;;) {
      counts = await page.evaluate(() => (window as unknown as { counts: number[] }).counts);
      if (counts.every((c) => c >= 2)) break;
      assert.ok(Date.now() < deadline, `every stream should receive events; counts ${JSON.stringify(counts)}`);
      await page.waitForTimeout(50);
    }
    const streams = demo.server.hub.list();
    assert.equal(streams.length, 10);
    assert.ok(streams.every((s) => s.httpVersion === '2.0'), `all over HTTP/2: ${streams.map((s) => s.httpVersion).join(',')}`);
    await context.close();
    await until(() => demo.server.hub.list().length === 0, 'the streams close with the page', 10_000);
  });

  it('serves /ws to an HTTP/1.1 client on the TLS port, and HTTP/2 requests beside it', { timeout: 30_000 }, async () => {
    const ws = new WebSocket(`${demo.base.replace('https', 'wss')}/ws`, { ca: cert.cert, headers: { Authorization: `Bearer ${demo.sim.adminToken}` } });
    const reply = await new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.once('open', () => ws.send(JSON.stringify({ id: 1, type: 'get_sse_stats' })));
      ws.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>));
      ws.once('error', reject);
    });
    ws.close();
    assert.equal(reply.id, 1);
    assert.equal(reply.success, true);

    const session = http2.connect(demo.base, { ca: cert.cert });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = session.request({ ':path': '/healthz' });
        req.once('response', (headers) => resolve(Number(headers[':status'])));
        req.once('error', reject);
        req.resume();
      });
      assert.equal(status, 200);
    } finally {
      session.close();
    }
  });

  it('keeps the ingress port plain HTTP', async () => {
    const res = await fetch(`http://127.0.0.1:${demo.server.ingress.port}/healthz`);
    assert.equal(res.status, 200);
  });

  it('a certificate that cannot be read stops the start: one line on stderr, exit code 2', { timeout: 60_000 }, async () => {
    const run = startProcess(['--import', 'tsx', 'src/main.ts'], ROOT, childEnv(dir, { SSL: 'true', SSL_DIR: join(dir, 'no-such-folder') }));
    const result = await within(run.exit, 40_000);
    assert.deepEqual(result, { code: 2, signal: null }, run.stderr());
    const lines = run.stderr().trimEnd().split('\n');
    assert.equal(lines.length, 1, run.stderr());
    assert.match(lines[0]!, /^SSE Hub: cannot serve HTTPS: certfile .*no-such-folder\/fullchain\.pem does not exist; /);
    assert.ok(!run.stdout().includes('SSE Hub started'));
  });
});
