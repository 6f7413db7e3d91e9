/**
 * The panel in real headless Chromium against the real server in demo mode, loaded through a
 * loopback stand-in for ingress (`/api/hassio_ingress/<token>/`, test/panel/ingress-proxy.ts):
 * the token prompt, live numbers, history charts with a gap, the event tail and its filters,
 * disconnecting a real stream, the thresholds form; no request leaves the base path and the
 * console stays clean. Screenshots (desktop/phone × light/dark) go to test-artifacts/panel/;
 * with PANEL_SCREENSHOT=1 the README's docs/panel.png is rewritten from the desktop light one.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright-core';
import { loadConfig } from '../../src/config/config.ts';
import { emptyRollup } from '../../src/metrics/rollup/record.ts';
import { SseHubServer } from '../../src/app/server.ts';
import { RecordingEventSource } from '../http/subscribe-harness.ts';
import { captureLogger } from '../log-capture.ts';
import { childEnv } from '../process-harness.ts';
import { IngressProxy } from './ingress-proxy.ts';
import { until } from '../until.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const ARTIFACTS = join(ROOT, 'test-artifacts', 'panel');
const dir = mkdtempSync(join(tmpdir(), 'sse-hub-panel-'));
const MINUTE = 60_000;

let server: SseHubServer;
let proxy: IngressProxy;
let browser: Browser;
let page: Page;
let token: string;
const requests: string[] = [];
const consoleErrors: string[] = [];

/** Minute rollups for the last 50 minutes with minutes 20–29 missing (a gap the chart must show). */
function seedHistory(): void {
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  for (let i = 50; i >= 1; i--) {
    if (i >= 20 && i < 30) continue;
    const r = emptyRollup(now - i * MINUTE);
    Object.assign(r, {
      durationMs: MINUTE, connCurrent: 2 + (i % 4), connMax: 4 + (i % 5), connAvg: 3, eventsIn: 300 + 10 * i, deliveries: 600 + 7 * i,
      memRss: (60 + i) * 1048576, memRssMax: (62 + i) * 1048576, heapUsed: 20 * 1048576, cpuAvg: 2 + (i % 7), cpuMax: 6 + (i % 9),
    });
    for (let k = 0; k < 20; k++) r.latency.record(1 + (k % 10) + (i % 3));
    assert.ok(server.metrics.store.writeMinute(r), 'the store takes the seeded minute');
  }
}

const tab = (name: string) => page.getByRole('tab', { name });

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const config = loadConfig(childEnv(dir, { DEMO_EVENT_RATE: '20', STREAM_LIMIT: '100' }));
  server = new SseHubServer(config, captureLogger('warning').logger, { shutdownGraceMs: 200 });
  await server.start();
  token = server.simulator!.adminToken;
  await until(() => server.bridge.state === 'connected', 'upstream connected', 5000);
  seedHistory();
  proxy = new IngressProxy(server.ingress.port);
  await proxy.start();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(8000);
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
});

after(async () => {
  await browser?.close();
  await proxy?.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the panel under an ingress path', () => {
  it('serves the page with its security headers and caching', async () => {
    const res = await fetch(proxy.base);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'self'/);
    const script = /src="\.\/(panel\/main-\w+\.js)"/.exec(await res.text())![1]!;
    const asset = await fetch(proxy.base + script);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    const missing = await fetch(`${proxy.base}panel/main-NOPE.js`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error_code: string }).error_code, 'not_found');
    // The same page for administrators on the LAN port, with the same headers.
    const lan = await fetch(`http://127.0.0.1:${server.lan.port}/`);
    assert.equal(lan.status, 200);
    assert.equal(lan.headers.get('content-security-policy'), csp);
    assert.equal(lan.headers.get('x-frame-options'), 'SAMEORIGIN');
  });

  it('asks for a token once, then shows live numbers that change', async () => {
    await page.goto(proxy.base);
    await page.getByLabel('Access token').fill('not-a-valid-token');
    await page.getByRole('button', { name: 'Open the panel' }).click();
    await page.locator('#token-error').filter({ hasText: /\S/ }).waitFor();
    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Open the panel' }).click();
    await page.locator('[data-metric="upstream"]', { hasText: 'connected' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('sse-hub-token')), token);
    // The replay window line reads the statistics' replay fields.
    assert.match(await page.locator('[data-metric="replay"]').innerText(), /^replay window \d+ (s|min|h)\b.* · \d+ events$/);
    const tiles = page.locator('.tiles');
    const first = await tiles.innerText();
    await page.waitForFunction((before) => document.querySelector('.tiles')?.textContent !== before, await tiles.textContent(), { timeout: 6000 });
    assert.notEqual(await tiles.innerText(), first);
  });

  it('draws the history charts with a hover legend and the gap as a gap, and switches periods', async () => {
    await page.locator('sse-chart[data-chart="connections"] canvas').waitFor();
    assert.equal(await page.locator('sse-chart canvas').count(), 6);
    const gaps = await page.$$eval('sse-chart', (charts) => charts.map((c) => (c as unknown as { data: unknown[][] }).data[1]!.filter((v) => v === null).length));
    assert.deepEqual(gaps, [1, 1, 1, 1, 1, 1], 'one null row where minutes 20–29 are missing');
    const plot = page.locator('sse-chart[data-chart="memory"] .u-over');
    await plot.scrollIntoViewIfNeeded();
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.locator('sse-chart[data-chart="memory"] .u-legend .u-series:nth-child(2) .u-value', { hasText: /MiB/ }).waitFor();
    await screenshots('history');
    await page.getByRole('button', { name: '7d' }).click();
    await page.locator('button[aria-pressed="true"]', { hasText: '7d' }).waitFor();
    await page.locator('sse-chart[data-chart="cpu"] canvas').waitFor();
    await page.getByRole('button', { name: '1h' }).click();
  });

  it('tails simulator events, filters them and pauses (reached with the keyboard)', async () => {
    await tab('History').focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    assert.equal(await tab('Events').getAttribute('aria-selected'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-events', 'focus follows the selected tab');
    const rows = page.locator('ol.events > li');
    await page.waitForFunction(() => document.querySelectorAll('ol.events > li[data-type="state_changed"]').length >= 3);
    const domain = (await rows.and(page.locator('[data-type="state_changed"]')).first().getAttribute('data-domain')) ?? '';
    assert.ok(domain, 'a state_changed row names its domain');
    await page.getByLabel('Domain').fill(domain);
    await page.waitForFunction((d) => Array.from(document.querySelectorAll('ol.events > li')).every((li) => li.getAttribute('data-domain') === d), domain);
    assert.ok((await rows.count()) > 0);
    await page.getByLabel('Domain').fill('no_such_domain');
    await page.waitForFunction(() => document.querySelectorAll('ol.events > li').length === 0);
    await page.getByLabel('Domain').fill('');
    await page.getByLabel('Event type').selectOption('state_changed');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('ol.events > li')).every((li) => li.getAttribute('data-type') === 'state_changed'));
    await page.getByRole('button', { name: 'Pause' }).click();
    const kept = await rows.count();
    await page.getByText(/paused, [1-9]\d* new events not shown/).waitFor();
    assert.equal(await rows.count(), kept, 'nothing is added while paused');
    await screenshots('events');
    await page.getByRole('button', { name: 'Resume' }).click();
  });

  it('picks an area from the registries: the tail reopens with area= and shows only that area', async () => {
    // The demo home's kitchen (src/simulator/demo-registry.ts; test/http/selectors.test.ts pins the set).
    const kitchen = ['automation.kitchen_motion_lights', 'binary_sensor.kitchen_motion', 'light.kitchen', 'switch.coffee_maker'];
    await page.getByLabel('Event type').selectOption('');
    const before = new Set(server.hub.list().map((s) => s.id));
    await page.getByLabel('Area').selectOption({ label: 'Kitchen (Ground Floor)' });
    // The hub holds the reopened stream (its selection resolved) before the changes below.
    await until(() => server.hub.list().some((s) => !before.has(s.id)), 'the tail reopened');
    assert.ok(requests.some((u) => u.includes('/subscribe_events') && u.includes('area=kitchen')), 'the stream asked for area=kitchen');
    // A change outside the kitchen first, then one inside: once the second shows, the first would have too.
    const sim = server.simulator!;
    sim.setState('light.porch', 'on', { marker: 'outside' });
    sim.setState('light.kitchen', 'on', { marker: 'inside' });
    await page.waitForFunction(() => Array.from(document.querySelectorAll('ol.events > li pre')).some((pre) => pre.textContent?.includes('"inside"')));
    const entities = await page.locator('ol.events > li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-entity') ?? ''));
    assert.ok(entities.length > 0);
    for (const entity of entities.filter((e) => e !== '')) assert.ok(kitchen.includes(entity), `${entity} is in the kitchen`);
    assert.equal(await page.locator('ol.events > li pre', { hasText: '"outside"' }).count(), 0, 'the porch light is not in the kitchen');
    await screenshots('events-area');
    const picked = new Set(server.hub.list().map((s) => s.id));
    await page.getByLabel('Area').selectOption('');
    await until(() => server.hub.list().some((s) => !picked.has(s.id)), 'the tail reopened without area=');
  });

  it('sorts and searches the connections and disconnects a real stream after confirmation', async () => {
    const lan = `http://127.0.0.1:${server.lan.port}`;
    const open = (agent: string, query = '') =>
      new RecordingEventSource(`${lan}/subscribe_events?events=state_changed${query}`, { Authorization: `Bearer ${token}`, 'User-Agent': agent });
    const es = open('panel-test-agent', '&client=panel_tablet');
    const other = open('panel-test-agent-b');
    try {
      await es.waitFor((e) => e.ofType('connection').length === 1, 'connection');
      await other.waitFor((e) => e.ofType('connection').length === 1, 'connection');
      const id = String((es.ofType('connection')[0]!.json as { id?: unknown }).id);
      assert.ok(server.hub.list().some((c) => c.id === id));
      await tab('Connections').click();
      const row = page.locator(`tr[data-connection="${id}"]`);
      await row.waitFor();
      assert.equal((await row.locator('td.client-name').textContent())?.trim(), 'panel_tablet', 'the stream is listed under its name');
      await page.getByPlaceholder('Search client, user, address, agent, filter').fill('panel-test');
      await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 2);
      const agents = () => page.$$eval('tbody td.agent', (cells) => cells.map((c) => c.textContent?.trim()));
      await page.getByRole('button', { name: 'User agent' }).click();
      assert.equal(await page.locator('th', { hasText: 'User agent' }).getAttribute('aria-sort'), 'ascending');
      assert.deepEqual(await agents(), ['panel-test-agent', 'panel-test-agent-b']);
      await page.getByRole('button', { name: /User agent/ }).click();
      assert.deepEqual(await agents(), ['panel-test-agent-b', 'panel-test-agent']);
      await page.getByPlaceholder('Search client, user, address, agent, filter').fill('agent-b');
      await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
      await page.getByPlaceholder('Search client, user, address, agent, filter').fill('panel_tablet');
      await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
      other.close();
      await page.getByPlaceholder('Search client, user, address, agent, filter').fill('panel-test');
      await screenshots('connections');
      await row.getByRole('button', { name: /Disconnect/ }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.ok(server.hub.list().some((c) => c.id === id), 'cancel keeps the stream');
      await row.getByRole('button', { name: /Disconnect/ }).click();
      await dialog.getByRole('button', { name: 'Disconnect' }).click();
      await es.waitFor((e) => e.messages.some((m) => m.json.type === 'error' && m.json.error === 'connection_closed'), 'connection_closed', 5000);
      es.close();
      await until(() => !server.hub.list().some((c) => c.id === id), 'the stream is gone from the hub');
    } finally {
      es.close();
      other.close();
    }
    await page.getByText('Nothing is connected yet.').waitFor();
  });

  it('validates thresholds as they are typed and saves valid ones', async () => {
    await tab('Alerts').click();
    const memory = page.getByLabel(/^Memory/);
    await memory.fill('-5');
    await page.locator('#th-memory_mb-error', { hasText: 'from 0 to 65536' }).waitFor();
    assert.equal(await memory.getAttribute('aria-invalid'), 'true');
    await page.getByRole('button', { name: 'Save thresholds' }).click();
    await page.getByText('Fix the highlighted fields first.').waitFor();
    await memory.fill('1.5');
    await page.locator('#th-memory_mb-error', { hasText: 'whole number' }).waitFor();
    await memory.fill('777');
    await page.waitForFunction(() => document.querySelector('#th-memory_mb-error')?.textContent === '');
    await page.getByRole('button', { name: 'Save thresholds' }).click();
    await page.getByRole('status').filter({ hasText: /Saved/ }).waitFor();
    assert.equal(server.metrics.alerts.thresholds().thresholds.memory_mb, 777);
    await screenshots('alerts');
  });

  it('kept every request under the ingress path and the console clean', () => {
    assert.deepEqual(proxy.escaped, []);
    const outside = requests.filter((u) => !u.startsWith(proxy.base.replace(/^http/, 'http')) && !u.startsWith(proxy.base.replace(/^http/, 'ws')));
    assert.deepEqual(outside, []);
    assert.ok(requests.some((u) => u.includes('/subscribe_events')), 'the event tail went through ingress');
    // The refused token: Chromium logs the 401 itself; nothing else may reach the console.
    assert.deepEqual(consoleErrors.filter((e) => !/status of 401/.test(e)), []);
  });
});

/** Desktop and phone, light and dark, of what is on screen now. */
async function screenshots(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [device, width, height] of [['desktop', 1280, 900], ['phone', 390, 844]] as const) {
      await page.setViewportSize({ width, height });
      await page.mouse.move(0, 0);
      const file = join(ARTIFACTS, `${name}-${device}-${scheme}.png`);
      await page.screenshot({ path: file, fullPage: device === 'desktop' });
      if (name === 'history' && device === 'desktop' && scheme === 'light' && process.env.PANEL_SCREENSHOT === '1') {
        copyFileSync(file, join(ROOT, 'docs', 'panel.png'));
      }
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 900 });
}
