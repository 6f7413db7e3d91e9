import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { optionsSchema } from '../../src/config/config.ts';
import { AlertInputSource } from '../../src/alerts/inputs.ts';
import { AlertNotifier, type HomeAssistantServices } from '../../src/alerts/notifier.ts';
import { thresholdsFromOptions, thresholdsUpdateSchema, type AlertInputs } from '../../src/alerts/rules.ts';
import { AlertEngine } from '../../src/alerts/engine.ts';
import { attachAlertRecords } from '../../src/alerts/records.ts';
import { MetricsCollector } from '../../src/metrics/collector.ts';
import { MetricsStore } from '../../src/metrics/store/store.ts';
import { SystemSampler } from '../../src/metrics/system.ts';
import type { UpstreamState } from '../../src/base/types.ts';
import { FakeClock, FakeRegistry, flushLogs, testLogger } from '../metrics/helpers.ts';
import { FakeProcess, tempDir } from '../metrics/rig.ts';

const T0 = Date.UTC(2024, 1, 5, 12, 0, 0);
const dirs: (() => void)[] = [];
after(() => dirs.forEach((cleanup) => cleanup()));

/** Records every Home Assistant call; `fail` makes them reject. */
class RecordingHa implements HomeAssistantServices {
  readonly calls: { kind: 'service' | 'event'; name: string; data: Record<string, unknown> }[] = [];
  fail = false;
  async callService(domain: string, service: string, data: Record<string, unknown>): Promise<void> {
    if (this.fail) throw new Error('HA said no');
    this.calls.push({ kind: 'service', name: `${domain}.${service}`, data });
  }
  async fireEvent(type: string, data: Record<string, unknown>): Promise<void> {
    if (this.fail) throw new Error('HA said no');
    this.calls.push({ kind: 'event', name: type, data });
  }
  names(): string[] {
    return this.calls.map((c) => c.name);
  }
}

const QUIET: AlertInputs = {
  connections: 3, eventsInPerSecond: 5, upstreamConnected: true, upstreamDownSeconds: 0, memoryBytes: 100 * 1024 * 1024,
  cpuPercent: 5, latencyP95Ms: 10, latencyP99Ms: 20, latencySamples: 100, deliveries: 100, failures: 0, backlogBytes: 0,
};

function setup(options: { dir?: string; clock?: FakeClock; notifyService?: string; storeAvailable?: boolean } = {}) {
  const clock = options.clock ?? new FakeClock(T0);
  let dir = options.dir;
  if (!dir) {
    const t = tempDir();
    dirs.push(t.cleanup);
    dir = t.dir;
  }
  const { logger, text } = testLogger();
  const ha = new RecordingHa();
  const registry = new FakeRegistry();
  const store = new MetricsStore({ dataDir: dir, now: clock.now, logger });
  if (options.storeAvailable !== false) store.start();
  const inputs = { current: { ...QUIET }, read() { return this.current; } };
  const defaults = thresholdsFromOptions(optionsSchema.parse({})); // sustain 60 s, cooldown 15 min, connections 90
  const engine = new AlertEngine({
    defaults,
    inputs,
    store: attachAlertRecords(store),
    notifier: new AlertNotifier({ logger, admins: registry, ha, notifyService: options.notifyService }),
    logger,
    now: clock.now,
    timers: clock,
  });
  return { clock, dir, ha, registry, store, inputs, engine, logText: text };
}

/** Advances the fake clock in evaluation steps and waits for the notifications of each. */
async function run(s: ReturnType<typeof setup>, ms: number, step = 5000): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    s.clock.advance(step);
    await s.engine.evaluate();
  }
}

test('an alert fires only after its condition held for sustain_seconds, through every channel', async () => {
  const s = setup({ notifyService: 'notify.mobile_app_phone' });
  s.engine.start();
  s.inputs.current = { ...QUIET, connections: 95 };
  await run(s, 55_000);
  assert.deepEqual(s.engine.active(), [], 'not yet sustained for 60 s');
  assert.equal(s.ha.calls.length, 0);
  await run(s, 10_000);
  const active = s.engine.active();
  assert.equal(active.length, 1);
  assert.equal(active[0]?.alert, 'connections');
  assert.equal(active[0]?.state, 'firing');
  assert.equal(active[0]?.value, 95);
  assert.equal(active[0]?.threshold, 90);
  assert.match(active[0]?.message ?? '', /Active connections \(95\) reached the threshold \(90\)/);

  assert.deepEqual(s.ha.names().sort(), ['notify.mobile_app_phone', 'persistent_notification.create', 'sse_hub_alert']);
  const create = s.ha.calls.find((c) => c.name === 'persistent_notification.create');
  assert.equal(create?.data.notification_id, 'sse_hub_alert_connections');
  assert.match(String(create?.data.title), /SSE Hub/);
  const event = s.ha.calls.find((c) => c.name === 'sse_hub_alert');
  assert.equal(event?.data.alert, 'connections');
  assert.equal(event?.data.state, 'firing');
  const notify = s.ha.calls.find((c) => c.name === 'notify.mobile_app_phone');
  assert.deepEqual(Object.keys(notify?.data ?? {}).sort(), ['message', 'title']);
  assert.deepEqual(s.registry.adminEvents.map((e) => e.type), ['alert']);
  await flushLogs();
  assert.match(s.logText(), /alert firing: Active connections/);

  // while it keeps firing nothing more is sent
  await run(s, 60_000);
  assert.equal(s.ha.calls.length, 3);
  await s.engine.stop();
});

test('resolve dismisses the notification; the cooldown holds back a new firing until it ends', async () => {
  const s = setup();
  s.engine.start();
  s.inputs.current = { ...QUIET, cpuPercent: 95 };
  await run(s, 65_000); // first seen at +5 s, sustained 60 s at +65 s
  assert.equal(s.engine.active()[0]?.alert, 'cpu');
  const firedAt = s.clock.now();

  s.inputs.current = { ...QUIET };
  await run(s, 5000);
  assert.deepEqual(s.engine.active(), []);
  const dismiss = s.ha.calls.find((c) => c.name === 'persistent_notification.dismiss');
  assert.deepEqual(dismiss?.data, { notification_id: 'sse_hub_alert_cpu' });
  const resolvedEvent = s.ha.calls.filter((c) => c.name === 'sse_hub_alert').at(-1);
  assert.equal(resolvedEvent?.data.state, 'resolved');
  assert.equal(s.registry.adminEvents.length, 2);

  // The condition returns at once and holds: it may fire again only 15 minutes after the first firing.
  s.inputs.current = { ...QUIET, cpuPercent: 95 };
  await run(s, 10 * 60_000);
  assert.deepEqual(s.engine.active(), [], 'cooldown');
  while (s.clock.now() - firedAt < 15 * 60_000) await run(s, 5000);
  assert.equal(s.engine.active().length, 1, 'fired when the cooldown ended');
  assert.equal(s.ha.calls.filter((c) => c.name === 'persistent_notification.create').length, 2);

  const history = s.engine.history();
  assert.deepEqual(history.map((h) => h.state), ['firing', 'resolved'], 'newest first');
  assert.equal(history[1]?.fired_at, new Date(firedAt).toISOString());
  assert.ok(history[1]?.resolved_at);
  await s.engine.stop();
});

test('thresholds: updated at runtime, persisted, surviving a restart; null returns to the option', async () => {
  const s = setup();
  s.engine.start();
  assert.equal(s.engine.thresholds().thresholds.connections, 90);
  const update = thresholdsUpdateSchema.parse({ connections: 10, sustain_seconds: 0 });
  const view = s.engine.updateThresholds(update);
  assert.equal(view.persisted, true);
  assert.equal(view.thresholds.connections, 10);
  assert.deepEqual(view.overrides, { connections: 10, sustain_seconds: 0 });
  await s.engine.stop();
  s.store.stop();

  const again = setup({ dir: s.dir, clock: s.clock });
  again.engine.start();
  assert.equal(again.engine.thresholds().thresholds.connections, 10);
  assert.equal(again.engine.thresholds().defaults.connections, 90);
  again.inputs.current = { ...QUIET, connections: 12 };
  await run(again, 5000);
  assert.equal(again.engine.active()[0]?.alert, 'connections', 'sustain 0: fires at the first evaluation');
  again.engine.updateThresholds({ connections: null });
  assert.equal(again.engine.thresholds().thresholds.connections, 90);
  assert.deepEqual(again.engine.thresholds().overrides, { sustain_seconds: 0 });
  await again.engine.stop();

  assert.equal(thresholdsUpdateSchema.safeParse({ connections: -1 }).success, false);
  assert.equal(thresholdsUpdateSchema.safeParse({ bogus: 1 }).success, false);
  assert.equal(thresholdsUpdateSchema.safeParse({ cpu_percent: '50' }).success, false);
});

test('a firing alert survives a restart and its notification is dismissed when it resolves afterwards', async () => {
  const s = setup();
  s.engine.start();
  s.inputs.current = { ...QUIET, backlogBytes: 10 * 1024 * 1024 };
  await run(s, 65_000);
  assert.equal(s.engine.active()[0]?.alert, 'backlog');
  await s.engine.stop();
  s.store.stop();

  const again = setup({ dir: s.dir, clock: s.clock });
  again.engine.start();
  assert.equal(again.engine.active()[0]?.alert, 'backlog', 'loaded from the store');
  await run(again, 5000);
  assert.deepEqual(again.engine.active(), []);
  assert.deepEqual(again.ha.names(), ['persistent_notification.dismiss', 'sse_hub_alert']);
  assert.equal(again.engine.history()[0]?.state, 'resolved');
  await again.engine.stop();
});

test('Home Assistant failures are logged and never break evaluation', async () => {
  const s = setup({ notifyService: 'notify.phone' });
  s.ha.fail = true;
  s.engine.start();
  s.inputs.current = { ...QUIET, memoryBytes: 2048 * 1024 * 1024 };
  await run(s, 65_000);
  assert.equal(s.engine.active()[0]?.alert, 'memory');
  assert.equal(s.registry.adminEvents.length, 1, 'the SSE channel still works');
  await flushLogs();
  assert.match(s.logText(), /Home Assistant persistent notification failed/);
  assert.match(s.logText(), /notify service notify.phone failed/);
  await s.engine.stop();
});

test('a Home Assistant call that never answers is abandoned after the timeout (10 s by default)', async () => {
  const { logger, text } = testLogger();
  const clock = new FakeClock(T0);
  const hanging: HomeAssistantServices = { callService: () => new Promise(() => {}), fireEvent: () => new Promise(() => {}) };
  const notifier = new AlertNotifier({ logger, ha: hanging, timers: clock });
  let settled = false;
  const firing = notifier
    .fired({ id: 1, alert: 'cpu', severity: 'warning', state: 'firing', title: 'CPU', message: 'm', value: 1, threshold: 0, fired_at: '', resolved_at: null })
    .then(() => (settled = true));
  assert.equal(clock.pending, 2, 'one deadline per call: the notification and the event');
  clock.advance(9_999);
  await flushLogs();
  assert.equal(settled, false);
  assert.doesNotMatch(text(), /no answer/);
  clock.advance(1);
  await firing;
  assert.equal(clock.pending, 0, 'no deadline left behind');
  await flushLogs();
  assert.match(text(), /no answer within 10000 ms/);
  assert.match(text(), /Home Assistant persistent notification failed/);
  assert.match(text(), /Home Assistant event failed/);
});

test('upstream down fires after alert_upstream_down_seconds without an extra sustain; event_rate_low only while connected', async () => {
  const clock = new FakeClock(T0);
  const proc = new FakeProcess(clock);
  const collector = new MetricsCollector({ now: clock.now });
  const system = new SystemSampler({ now: clock.now, memoryUsage: proc.memoryUsage, cpuUsage: proc.cpuUsage, readProcFile: () => undefined, monitorEventLoop: false });
  const upstream = { state: 'connected' as UpstreamState };
  const source = new AlertInputSource({ collector, system, upstream, now: clock.now });
  assert.equal(source.read().upstreamDownSeconds, 0);
  upstream.state = 'disconnected';
  assert.equal(source.read().upstreamDownSeconds, 0);
  clock.advance(30_000);
  assert.equal(source.read().upstreamDownSeconds, 30);

  const s = setup({ clock });
  s.engine.updateThresholds({ event_rate_min: 1 });
  s.engine.start();
  s.inputs.read = () => source.read();
  await run(s, 25_000);
  assert.deepEqual(s.engine.active(), [], '55 s down');
  await run(s, 5_000);
  assert.deepEqual(s.engine.active().map((a) => a.alert), ['upstream_down']);
  assert.equal(s.engine.active()[0]?.severity, 'critical');
  upstream.state = 'connected';
  await run(s, 5_000);
  assert.deepEqual(s.engine.active(), [], 'resolved; and event_rate_low needs its 60 s');
  await run(s, 60_000);
  assert.deepEqual(s.engine.active().map((a) => a.alert), ['event_rate_low']);
  await s.engine.stop();
});

test('latency and error-rate rules wait for enough samples', async () => {
  const s = setup();
  s.engine.updateThresholds({ sustain_seconds: 0 });
  s.engine.start();
  s.inputs.current = { ...QUIET, latencyP95Ms: 900, latencyP99Ms: 2000, latencySamples: 5, deliveries: 3, failures: 5 };
  await run(s, 5000);
  assert.deepEqual(s.engine.active(), []);
  s.inputs.current = { ...QUIET, latencyP95Ms: 900, latencyP99Ms: 2000, latencySamples: 50, deliveries: 30, failures: 20 };
  await run(s, 5000);
  assert.deepEqual(s.engine.active().map((a) => a.alert).sort(), ['error_rate', 'latency_p95', 'latency_p99']);
  assert.equal(s.engine.active().find((a) => a.alert === 'error_rate')?.value, 40);
  await s.engine.stop();
});

test('without a store, alerts still work with in-memory history and unpersisted thresholds', async () => {
  const s = setup({ storeAvailable: false });
  s.engine.start();
  const view = s.engine.updateThresholds({ sustain_seconds: 0, connections: 2 });
  assert.equal(view.persisted, false);
  await run(s, 5000);
  assert.equal(s.engine.active()[0]?.alert, 'connections');
  s.inputs.current = { ...QUIET, connections: 0 };
  await run(s, 5000);
  assert.deepEqual(s.engine.history().map((h) => h.state), ['resolved']);
  await s.engine.stop();
});

test('the engine evaluates on its own timer once started, and stops doing so', async () => {
  const s = setup();
  s.engine.updateThresholds({ sustain_seconds: 0, connections: 2 });
  s.engine.start();
  s.clock.advance(5000);
  await s.engine.stop();
  assert.equal(s.engine.active()[0]?.alert, 'connections');
  assert.equal(s.clock.pending, 0);
});
