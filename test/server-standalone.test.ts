/**
 * Standalone mode end to end: SseHubServer configured with HA_URL and HA_TOKEN only, as a user
 * outside the Supervisor would run it, against the simulator standing in for a Home Assistant on
 * the network. The server finds the websocket at `<HA_URL>/api/websocket`, checks users' tokens
 * against the same Home Assistant, and keeps its own token out of the log.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { HaSimulator } from '../src/simulator/index.ts';
import { SecretScrubber } from '../src/base/log.ts';
import { SseHubServer } from '../src/app/server.ts';
import { RecordingEventSource } from './http/subscribe-harness.ts';
import { captureLogger } from './log-capture.ts';
import { childEnv } from './process-harness.ts';
import { until } from './until.ts';

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-standalone-'));
const homeAssistant = new HaSimulator({ seed: 7 });
let server: SseHubServer;
let log: ReturnType<typeof captureLogger>;

before(async () => {
  await homeAssistant.start();
  const config = loadConfig(childEnv(dir, { HA_URL: homeAssistant.url, HA_TOKEN: homeAssistant.adminToken }));
  assert.equal(config.mode, 'standalone');
  // As main.ts does: the upstream token is a known secret for the scrubber.
  const scrubber = new SecretScrubber();
  scrubber.add(homeAssistant.adminToken);
  log = captureLogger('debug', scrubber);
  server = new SseHubServer(config, log.logger);
  await server.start();
  await until(() => server.bridge.state === 'connected', 'connected to Home Assistant', 5000);
});

after(async () => {
  await server.stop();
  await homeAssistant.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('streams a Home Assistant user their events, with the token checked against that Home Assistant', async () => {
  assert.equal(server.simulator, undefined, 'no embedded simulator outside demo mode');
  const base = `http://127.0.0.1:${server.lan.port}`;
  const es = new RecordingEventSource(`${base}/subscribe_events?token=${homeAssistant.userToken}&entity_id=light.kitchen`);
  try {
    await es.waitFor((s) => s.ofType('connection').length === 1, 'connection');
    homeAssistant.callService('light', 'turn_on', { entity_id: 'light.kitchen' });
    await es.waitFor((s) => s.ofType('state_changed').length === 1, 'the kitchen light');
    assert.equal((es.ofType('state_changed')[0]!.json.data as { state: string }).state, 'on');
  } finally {
    es.close();
  }
  const stats = await fetch(`${base}/api/sse/stats`, { headers: { Authorization: `Bearer ${homeAssistant.userToken}` } });
  assert.equal(stats.status, 403, 'a non-admin Home Assistant user gets no statistics');
  assert.ok(!log.text().includes(homeAssistant.adminToken), 'the HA_TOKEN never reaches the log');
  assert.ok(!log.text().includes(homeAssistant.userToken), 'nor does a user token');
});
