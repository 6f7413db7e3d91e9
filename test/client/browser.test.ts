/**
 * The client in a real browser (headless Chromium): a page on another origin imports
 * `/client.js` from the hub (module scripts from another origin need CORS), streams with the
 * token in a header (cross-origin fetch with a preflight), survives a restart of the hub's LAN
 * listener with the missed event replayed, and after a reload paints the states it cached in
 * `localStorage` while its stream request is still held back, then resumes from the cached id.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, it } from 'node:test';
import { EventSource } from 'eventsource';
import { type Browser, type Page, type Route, chromium } from 'playwright-core';
import { type DemoServer, startDemoServer } from './client-harness.ts';
import { until } from '../until.ts';

let demo: DemoServer;
let pageServer: http.Server;
let pageOrigin: string;
let browser: Browser;

interface LogEntry {
  kind: 'paint' | 'connection' | 'event';
  reason?: string;
  status?: string;
  states?: Record<string, string>;
  entity?: string;
  state?: string;
}

const PAGE = (hub: string, token: string, transport = 'auto') => `<!doctype html>
<html><body><pre id="states"></pre><script type="module">
  import { connect } from '${hub}/client.js';
  window.log = [];
  const client = connect({ url: '${hub}', token: '${token}', events: ['state_changed'], domain: ['light'],
    initial_state: true, cache: { saveDelayMs: 20 }, transport: '${transport}' });
  const paint = (reason) => {
    const states = Object.fromEntries(Object.values(client.states).map((s) => [s.entity_id, s.state]));
    document.getElementById('states').textContent = JSON.stringify(states);
    window.log.push({ kind: 'paint', reason, status: client.status, states });
  };
  paint('load');
  client.on('states', (s) => paint(s.reason));
  client.on('connection', () => window.log.push({ kind: 'connection' }));
  client.on('state_changed', (m) => {
    if (m.data.old_state) window.log.push({ kind: 'event', entity: m.data.entity_id, state: m.data.state });
    paint('event');
  });
</script></body></html>`;

before(async () => {
  pageServer = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(PAGE(demo.base, demo.sim.adminToken, req.url?.includes('eventsource') ? 'eventsource' : 'auto'));
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as { port: number }).port}`;
  demo = await startDemoServer({ CORS_ORIGINS: pageOrigin });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  await new Promise<void>((resolve) => pageServer.close(() => resolve()));
});

const logOf = (page: Page) => page.evaluate(() => (window as unknown as { log: LogEntry[] }).log ?? []);
async function waitForLog(page: Page, what: string, check: (log: LogEntry[]) => boolean, timeoutMs = 10_000): Promise<LogEntry[]> {
  let log: LogEntry[] = [];
  await until(async () => check((log = await logOf(page))), what, timeoutMs).catch(() =>
    assert.fail(`${what}: not within ${timeoutMs} ms; log ${JSON.stringify(log.slice(-5))}`),
  );
  return log;
}

const lightStates = () =>
  Object.fromEntries(demo.sim.core.states.all().filter((s) => s.entity_id.startsWith('light.')).map((s) => [s.entity_id, s.state]));

it('loads /client.js from the hub, streams, survives a restart, paints the cache after a reload', { timeout: 60_000 }, async () => {
  const { sim, server } = demo;
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${pageOrigin}/`);

  let log = await waitForLog(page, 'the initial states', (l) => l.some((e) => e.reason === 'initial'));
  assert.deepEqual(log.find((e) => e.reason === 'initial')!.states, lightStates());
  sim.callService('light', 'toggle', { entity_id: 'light.kitchen' });
  await waitForLog(page, 'a live event', (l) => l.some((e) => e.kind === 'event' && e.entity === 'light.kitchen'));

  // Restart the LAN listener; a stream on the ingress listener keeps core's subscription (and so
  // the replay buffer) going meanwhile, as the panel's would.
  const witness = new EventSource(`http://127.0.0.1:${server.ingress.port}/subscribe_events?token=${sim.adminToken}&events=state_changed`);
  await new Promise<void>((resolve, reject) => ((witness.onopen = () => resolve()), (witness.onerror = reject)));
  await server.lan.stop(100);
  sim.callService('light', 'toggle', { entity_id: 'light.porch' });
  await server.lan.start();
  log = await waitForLog(page, 'the missed event', (l) => l.some((e) => e.kind === 'event' && e.entity === 'light.porch'), 20_000);
  witness.close();
  assert.equal(log.filter((e) => e.kind === 'connection').length, 2, 'reconnected once');
  assert.equal(log.filter((e) => e.kind === 'event').length, 2, 'each event once');
  assert.deepEqual(log.at(-1)!.states, lightStates());

  // The cache is written (debounced); hold the stream back, reload, and look before letting it go.
  const expected = lightStates();
  let stored = '';
  await until(
    async () => (stored = await page.evaluate(() => Object.keys(localStorage).map((k) => localStorage.getItem(k)).join(''))).includes(`"light.porch","state":"${expected['light.porch']}"`),
    'the cache to be written',
  ).catch(() => assert.fail(`the cache was not written: ${stored.slice(0, 200)}`));
  const held: Route[] = [];
  await page.route('**/subscribe_events**', (route) => void held.push(route));
  await page.reload();
  await until(() => held.length >= 1, 'the stream request, held', 10_000);
  log = await logOf(page);
  // The synchronous paint right after connect() and the `states` (reason "cache") event.
  assert.deepEqual(
    log,
    [
      { kind: 'paint', reason: 'load', status: 'connecting', states: expected },
      { kind: 'paint', reason: 'cache', status: 'connecting', states: expected },
    ],
    'painted from the cache, not connected',
  );
  assert.equal(await page.textContent('#states'), JSON.stringify(expected));
  const request = held[0]!.request();
  const headers = await request.allHeaders();
  assert.match(headers['last-event-id'] ?? '', /^\d+$/, 'resumes from the cached id');
  assert.equal(headers.authorization, `Bearer ${sim.adminToken}`);
  assert.ok(!request.url().includes('token='), 'no token in the URL');
  for (const route of held) await route.continue();
  await page.unroute('**/subscribe_events**');
  await waitForLog(page, 'connected again', (l) => l.some((e) => e.kind === 'connection'));
  sim.callService('light', 'toggle', { entity_id: 'light.bedroom' });
  log = await waitForLog(page, 'live after the reload', (l) => l.some((e) => e.kind === 'event' && e.entity === 'light.bedroom'));
  assert.deepEqual(log.at(-1)!.states, lightStates());
  assert.deepEqual(errors, []);
  await page.close();
});

it("falls back to the browser's EventSource: the snapshot's end found from lastEventId, then live events", { timeout: 30_000 }, async () => {
  const { sim } = demo;
  const context = await browser.newContext(); // a fresh localStorage: no cached states or resume point
  const page = await context.newPage();
  const streams: string[] = [];
  page.on('request', (r) => r.url().includes('/subscribe_events') && streams.push(r.url()));
  await page.goto(`${pageOrigin}/?eventsource`);
  const log = await waitForLog(page, 'the initial states', (l) => l.some((e) => e.reason === 'initial'));
  assert.deepEqual(log.find((e) => e.reason === 'initial')!.states, lightStates());
  assert.equal(new URL(streams[0]!).searchParams.get('token'), sim.adminToken, 'the fallback carries the token in the query');
  sim.callService('light', 'toggle', { entity_id: 'light.hallway' });
  const after = await waitForLog(page, 'a live event', (l) => l.some((e) => e.kind === 'event' && e.entity === 'light.hallway'));
  assert.deepEqual(after.at(-1)!.states, lightStates());
  await context.close();
});
