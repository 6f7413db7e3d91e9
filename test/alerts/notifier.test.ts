/**
 * Alerts delivered to the protocol-faithful Home Assistant simulator through the real REST
 * client: the persistent notification appears and is dismissed, the `sse_hub_alert` event and the
 * notify service call arrive.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { optionsSchema } from '../../src/config/config.ts';
import { HaRestClient } from '../../src/ha/rest.ts';
import { HaSimulator } from '../../src/simulator/index.ts';
import { AlertNotifier } from '../../src/alerts/notifier.ts';
import { thresholdsFromOptions, type AlertInputs } from '../../src/alerts/rules.ts';
import { AlertEngine } from '../../src/alerts/engine.ts';
import { attachAlertRecords } from '../../src/alerts/records.ts';
import { MetricsStore } from '../../src/metrics/store/store.ts';
import { FakeClock, FakeRegistry, flushLogs, testLogger } from '../metrics/helpers.ts';
import { tempDir } from '../metrics/rig.ts';

let sim: HaSimulator;
const temp = tempDir();
before(async () => {
  sim = new HaSimulator({ seed: 7 });
  await sim.start();
});
after(async () => {
  await sim.stop();
  temp.cleanup();
});

test('firing creates the persistent notification and fires sse_hub_alert in Home Assistant; resolving dismisses it', async () => {
  const clock = new FakeClock(Date.UTC(2024, 1, 5, 12));
  const { logger, text } = testLogger();
  const store = new MetricsStore({ dataDir: temp.dir, now: clock.now, logger });
  store.start();
  const ha = new HaRestClient({ baseUrl: sim.url, token: sim.adminToken, timeoutMs: 5000 });
  const current: { value: AlertInputs } = {
    value: {
      connections: 0, eventsInPerSecond: 1, upstreamConnected: true, upstreamDownSeconds: 0, memoryBytes: 0,
      cpuPercent: 99, latencyP95Ms: 0, latencyP99Ms: 0, latencySamples: 0, deliveries: 0, failures: 0, backlogBytes: 0,
    },
  };
  const engine = new AlertEngine({
    defaults: { ...thresholdsFromOptions(optionsSchema.parse({})), sustain_seconds: 0 },
    inputs: { read: () => current.value },
    store: attachAlertRecords(store),
    notifier: new AlertNotifier({ logger, ha, admins: new FakeRegistry(), notifyService: 'notify.mobile_app_phone' }),
    logger,
    now: clock.now,
    timers: clock,
  });
  engine.start();
  await engine.evaluate();

  const notification = sim.core.notifications.get('sse_hub_alert_cpu');
  assert.ok(notification, 'the persistent notification exists in Home Assistant');
  assert.match(notification.title ?? '', /SSE Hub: High CPU use/);
  assert.match(notification.message, /CPU use \(99 %\) exceeds the threshold \(80 %\)/);
  const event = await sim.waitForRest((c) => c.path === '/api/events/sse_hub_alert', 2000);
  assert.equal(event.status, 200);
  assert.equal(event.userId, sim.adminUser.id);
  assert.deepEqual({ alert: (event.body as { alert: string }).alert, state: (event.body as { state: string }).state }, { alert: 'cpu', state: 'firing' });
  assert.equal(sim.core.notifyCalls.at(-1)?.service, 'mobile_app_phone');

  current.value = { ...current.value, cpuPercent: 1 };
  clock.advance(5000);
  await engine.evaluate();
  assert.equal(sim.core.notifications.has('sse_hub_alert_cpu'), false, 'dismissed');
  const resolved = await sim.waitForRest((c) => c.path === '/api/events/sse_hub_alert' && (c.body as { state?: string }).state === 'resolved', 2000);
  assert.equal(resolved.status, 200);
  await engine.stop();
  store.stop();
  await flushLogs();
  assert.doesNotMatch(text(), /failed/);
  assert.ok(!text().includes(sim.adminToken), 'the token never reaches the log');
});

test('a wrong token at Home Assistant is logged, never thrown', async () => {
  const { logger, text } = testLogger();
  const bad = new HaRestClient({ baseUrl: sim.url, token: 'not-a-valid-token-0000', timeoutMs: 5000 });
  const notifier = new AlertNotifier({ logger, ha: bad });
  await notifier.fired({ id: 1, alert: 'memory', severity: 'warning', state: 'firing', title: 'High memory use', message: 'm', value: 1, threshold: 0, fired_at: '', resolved_at: null });
  await flushLogs();
  assert.match(text(), /Home Assistant persistent notification failed/);
  assert.equal(sim.core.notifications.has('sse_hub_alert_memory'), false);
  assert.ok(!text().includes('not-a-valid-token-0000'));
});
