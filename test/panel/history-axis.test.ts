/**
 * The history charts of a fresh install (two minutes of data) in real headless Chromium: for every
 * period the time axis spans exactly that period and ends now, the points sit at its right-hand
 * end, and the labels are times of day (1h, 24h) or dates (7d, 30d), never years. Left to uPlot,
 * two points stretched the axis over years (Apr 2027 to Aug 2029 at 1280×900).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright-core';
import { loadConfig } from '../../src/config/config.ts';
import { emptyRollup } from '../../src/metrics/rollup/record.ts';
import { SseHubServer } from '../../src/app/server.ts';
import { until } from '../until.ts';
import { captureLogger } from '../log-capture.ts';
import { childEnv } from '../process-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-axis-'));
const MINUTE = 60_000;
const PERIODS = { '1h': 3600, '24h': 86_400, '7d': 604_800, '30d': 2_592_000 } as const;

let server: SseHubServer;
let browser: Browser;
let page: Page;

before(async () => {
  server = new SseHubServer(loadConfig(childEnv(dir, { DEMO_EVENT_RATE: '0' })), captureLogger('warning').logger, { shutdownGraceMs: 200 });
  await server.start();
  await until(() => server.bridge.state === 'connected', 'upstream connected', 5000);
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  for (const ago of [2, 1]) {
    const r = emptyRollup(now - ago * MINUTE);
    Object.assign(r, { durationMs: MINUTE, connCurrent: ago, connMax: ago + 1, eventsIn: 60, deliveries: 120, memRss: 70 * 1048576, cpuAvg: 2, cpuMax: 3 });
    assert.ok(server.metrics.store.writeMinute(r));
  }
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(8000);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Axis {
  min: number;
  max: number;
  labels: string[];
  xs: number[];
}

/** The connections chart's time axis once it shows the period's answer. */
async function axisOf(period: string): Promise<Axis> {
  await page.getByRole('button', { name: period, exact: true }).click();
  await page.waitForFunction((p) => (document.querySelector('sse-history') as unknown as { history?: { period: string } } | null)?.history?.period === p, period);
  // Lit renders in a microtask after the answer: one frame later the chart has drawn it.
  return page.evaluate(async () => {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const chart = document.querySelector('sse-chart[data-chart="connections"]') as unknown as {
      timeAxis(): { min: number; max: number; labels: string[] } | undefined;
      data: number[][];
    };
    const axis = chart.timeAxis();
    if (!axis) throw new Error('the chart has no time axis');
    return { ...axis, xs: chart.data[0]! };
  });
}

it('every period spans its whole length ending now, with the two points inside and no year on the axis', { timeout: 60_000 }, async () => {
  await page.goto(`http://127.0.0.1:${String(server.lan.port)}/`);
  await page.getByLabel('Access token').fill(server.simulator!.adminToken);
  await page.getByRole('button', { name: 'Open the panel' }).click();
  await page.locator('sse-chart[data-chart="connections"] canvas').waitFor();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [period, seconds] of Object.entries(PERIODS)) {
      const opened = Date.now() / 1000;
      const axis = await axisOf(period);
      assert.equal(Math.round(axis.max - axis.min), seconds, `${period} (${scheme}): the axis spans the period`);
      assert.ok(Math.abs(axis.max - opened) < 120, `${period} (${scheme}): the axis ends now, not at ${new Date(axis.max * 1000).toISOString()}`);
      assert.ok(axis.xs.length >= 1, `${period}: the seeded minutes are drawn (one hourly point for 7d and 30d)`);
      for (const x of axis.xs) assert.ok(x >= axis.min && x <= axis.max, `${period}: point ${String(x)} inside [${String(axis.min)}, ${String(axis.max)}]`);
      const form = seconds <= 86_400 ? /^\d{2}:\d{2}$/ : /^[A-Z][a-z]{2} \d{1,2}$/;
      for (const label of axis.labels) assert.match(label, form, `${period} (${scheme}) labels: ${axis.labels.join(', ')}`);
      assert.ok(axis.labels.length >= 3, `${period}: several ticks across the period, not one or two: ${axis.labels.join(', ')}`);
    }
  }
});
