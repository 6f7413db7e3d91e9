/**
 * Add-on mode end to end, the mode every add-on user runs: the product as a process with
 * SUPERVISOR_TOKEN and SUPERVISOR_URL pointing at a fake Supervisor on 127.0.0.2, in front of the
 * simulator. It must reach core through the websocket proxy derived from SUPERVISOR_URL, check a LAN
 * user's token against core at the address `/core/info` gives (never through the Supervisor), send
 * alert notifications through the REST proxy, and trust ingress requests only from the Supervisor.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { HaSimulator } from '../../src/simulator/index.ts';
import { RecordingEventSource } from '../http/subscribe-harness.ts';
import { childEnv, findLine, killLeftovers, start, waitFor, type Run } from '../process-harness.ts';
import { FakeSupervisor } from './fake-supervisor.ts';
import { until } from '../until.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SUPERVISOR_TOKEN = 'supervisor-token-e2e-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'sse-hub-addon-'));
const core = new HaSimulator({ seed: 13 });
const supervisor = new FakeSupervisor(core, SUPERVISOR_TOKEN);
let run: Run;
let lan: string;
let ingressPort: number;

before(async () => {
  await core.start();
  await supervisor.start();
  run = start(
    ['--import', 'tsx', 'src/main.ts'],
    ROOT,
    childEnv(dir, { SUPERVISOR_TOKEN, SUPERVISOR_URL: supervisor.url, ALERT_CONNECTIONS: '1', ALERT_SUSTAIN_SECONDS: '0' }),
  );
  const line = await waitFor('"SSE Hub started"', run, () => findLine(run.stdout(), 'SSE Hub started'), 40_000);
  assert.equal(line.mode, 'addon');
  lan = `http://127.0.0.1:${String(line.lanPort)}`;
  ingressPort = Number(line.ingressPort);
});

after(async () => {
  killLeftovers();
  await supervisor.stop();
  await core.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A GET on the ingress listener from a chosen loopback source address. */
function ingressGet(path: string, localAddress: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ingressPort, path, localAddress, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('connects to core through the Supervisor websocket proxy named by SUPERVISOR_URL', async () => {
  await until(() => supervisor.websocketSessions >= 1, 'a proxied, Supervisor-authenticated session', 20_000);
  await until(() => core.activeSubscriptions().some((s) => s.eventTypes.includes('state_changed')), 'the state_changed subscription', 20_000);
});

test('a LAN user is checked against core at the /core/info address and streams their events', async () => {
  const es = new RecordingEventSource(`${lan}/subscribe_events?token=${core.userToken}&entity_id=light.kitchen`);
  try {
    await es.waitFor((s) => s.ofType('connection').length === 1, 'connection', 20_000);
    core.callService('light', 'turn_on', { entity_id: 'light.kitchen' });
    await es.waitFor((s) => s.ofType('state_changed').length >= 1, 'the kitchen light', 10_000);
    assert.equal((es.ofType('state_changed')[0]!.json.data as { state: string }).state, 'on');
  } finally {
    es.close();
  }
  assert.ok(supervisor.calls.some((c) => c.path === '/core/info' && c.authorized), 'core was located with /core/info');
  assert.ok(!supervisor.tokensSeen.has(core.userToken), 'the user token went to core directly, never through the Supervisor');
  const stats = await fetch(`${lan}/api/sse/stats`, { headers: { Authorization: `Bearer ${core.userToken}` } });
  assert.equal(stats.status, 403, 'core said this user is not an admin');
  const bad = await fetch(`${lan}/api/sse/stats`, { headers: { Authorization: 'Bearer not-a-token-known-to-core' } });
  assert.equal(bad.status, 401);
  const admin = await fetch(`${lan}/api/sse/stats`, { headers: { Authorization: `Bearer ${core.adminToken}` } });
  assert.equal(admin.status, 200);
});

test('alert notifications go through the Supervisor REST proxy with SUPERVISOR_TOKEN', async () => {
  const es = new RecordingEventSource(`${lan}/subscribe_events?token=${core.adminToken}`);
  try {
    await es.waitFor((s) => s.ofType('connection').length === 1, 'connection', 10_000);
    const call = await core.waitForRest((c) => c.path === '/api/services/persistent_notification/create', 15_000);
    assert.equal(call.userId, core.adminUser.id, 'core saw the Supervisor, not the add-on token');
  } finally {
    es.close();
  }
  const proxied = supervisor.calls.filter((c) => c.path === '/core/api/services/persistent_notification/create');
  assert.ok(proxied.length >= 1 && proxied.every((c) => c.method === 'POST' && c.authorized));
  assert.deepEqual(supervisor.calls.filter((c) => !c.authorized), [], 'every Supervisor call carried SUPERVISOR_TOKEN');
});

test('ingress trusts requests only from the Supervisor address', async () => {
  const fromSupervisor = await ingressGet('/api/sse/stats', supervisor.host, { 'X-Remote-User-Id': 'u1', 'X-Remote-User-Name': 'ann' });
  assert.equal(fromSupervisor.status, 200, fromSupervisor.body);
  const fromElsewhere = await ingressGet('/api/sse/stats', '127.0.0.1', { 'X-Remote-User-Id': 'u1' });
  assert.equal(fromElsewhere.status, 403);
  assert.equal((JSON.parse(fromElsewhere.body) as { error_code: string }).error_code, 'ingress_forbidden');
  const withToken = await ingressGet('/api/sse/stats', '127.0.0.1', { Authorization: `Bearer ${core.adminToken}` });
  assert.equal(withToken.status, 403, 'not even with a valid token');
});
