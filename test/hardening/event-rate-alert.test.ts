/**
 * The low-event-rate alert measures what arrives from Home Assistant, not what the hub published:
 * with no stream open (no type retained, nothing published) and the demo home busy, a minimum of
 * 1 event/s does not fire. A whole demo server; the alert engine is evaluated on demand.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { SseHubServer } from '../../src/app/server.ts';
import { captureLogger } from '../log-capture.ts';
import { childEnv } from '../process-harness.ts';
import { until } from '../until.ts';

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-rate-alert-'));
let server: SseHubServer;

before(async () => {
  const env = childEnv(dir, { DEMO_EVENT_RATE: '30', ALERT_EVENT_RATE_MIN: '1', ALERT_SUSTAIN_SECONDS: '0' });
  server = new SseHubServer(loadConfig(env), captureLogger('info').logger);
  await server.start();
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('no stream open, Home Assistant busy: alert_event_rate_min does not fire', { timeout: 15_000 }, async () => {
  const bus = server.simulator!.core.bus;
  await until(() => server.bridge.state === 'connected', 'connected', 5000);
  const firedBefore = bus.total;
  await until(() => bus.total - firedBefore >= 20, 'the demo home fires 20 events', 10_000);
  assert.equal(server.metrics.collector.active, 0, 'no stream is open');
  await server.metrics.alerts.evaluate();
  const low = server.metrics.alerts.active().filter((a) => a.alert === 'event_rate_low');
  assert.deepEqual(low, [], 'the low-rate alert stays quiet while core is busy');
});
