/**
 * The client across a restart of the real process (`node src/main.ts`, SIGTERM, start again on
 * the same port). A new process starts a new replay buffer whose ids are newer than any the
 * client holds, so what the hub guarantees here is `replay_gap` plus the current states, not
 * replay (that path, the buffer covering a drop, is client.test.ts's listener restart). The
 * process runs standalone against a simulator in this test, the stand-in for a Home Assistant
 * that outlives the add-on's restart: in demo mode each process would invent a new token.
 * The client's timers are fake: the test reads the delays it asked for and fires them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, type SseClient } from '../../src/web/client/index.ts';
import type { ReconnectInfo, ServerMessage, StatesSnapshot } from '../../src/web/client/types.ts';
import { HaSimulator } from '../../src/simulator/index.ts';
import { type Run, childEnv, findLine, killLeftovers, start, waitFor, within } from '../process-harness.ts';
import { freePort } from './client-harness.ts';
import { until } from '../until.ts';
import { FakeClock } from '../fake-clock.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sse-hub-client-restart-'));
const homeAssistant = new HaSimulator({ seed: 11 });
let env: NodeJS.ProcessEnv;
let client: SseClient | undefined;

before(async () => {
  await homeAssistant.start();
  env = childEnv(dir, { HA_URL: homeAssistant.url, HA_TOKEN: homeAssistant.adminToken, PORT: String(await freePort()) });
});

after(async () => {
  client?.close();
  killLeftovers();
  await homeAssistant.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startHub(): Promise<Run> {
  const run = start(['--import', 'tsx', 'src/main.ts'], ROOT, env);
  await waitFor('"SSE Hub started"', run, () => findLine(run.stdout(), 'SSE Hub started'), 30_000);
  return run;
}

const lightStates = () =>
  Object.fromEntries(homeAssistant.core.states.all().filter((s) => s.entity_id.startsWith('light.')).map((s) => [s.entity_id, s.state]));

it('after a process restart: server_shutdown, backoff while down, then replay_gap and the current states', { timeout: 60_000 }, async () => {
  let hub = await startHub();
  const timers = new FakeClock(0);
  client = connect({
    url: `http://127.0.0.1:${env.PORT}`,
    token: homeAssistant.userToken,
    events: 'state_changed',
    domain: 'light',
    initial_state: true,
    cache: false,
    timers,
    backoff: { baseMs: 100, capMs: 1000 },
  });
  const log: string[] = [];
  const snapshots: StatesSnapshot[] = [];
  const waits: ReconnectInfo[] = [];
  const live: ServerMessage[] = [];
  client.on('message', (m) => log.push(m.type === 'error' ? `error:${(m as { error?: string }).error}` : m.type));
  client.on('states', (s) => (snapshots.push(s), log.push(`states:${s.reason}`)));
  client.on('reconnecting', (w) => (waits.push(w), log.push(`reconnecting:${w.reason}`)));
  // Snapshot frames are state_changed too (old_state null); live ones have an old state.
  client.on('state_changed', (m) => m.data?.old_state != null && live.push(m));

  await until(() => snapshots.length === 1, 'the initial states', 10_000);
  assert.deepEqual(Object.fromEntries(Object.entries(snapshots[0]!.states).map(([id, s]) => [id, s.state])), lightStates());
  homeAssistant.callService('light', 'toggle', { entity_id: 'light.kitchen' });
  homeAssistant.callService('light', 'toggle', { entity_id: 'light.porch' });
  await until(() => live.length === 2, 'two live events');

  hub.child.kill('SIGTERM');
  assert.deepEqual(await within(hub.exit, 10_000), { code: 0, signal: null });
  await until(() => waits.length === 1, 'a reconnect decision after the shutdown');
  assert.ok(log.includes('error:server_shutdown'), 'told about the shutdown');
  assert.ok(waits[0]!.delayMs >= 3000 && waits[0]!.delayMs <= 8000, `the shutdown retry hint (3 s + up to 5 s jitter), got ${waits[0]!.delayMs}`);

  // While the hub is down: the attempt fails and the next wait is still at least the hint.
  timers.fireAll();
  await until(() => waits.length === 2, 'a failed attempt');
  assert.equal(waits[1]!.reason, 'network_error');
  assert.equal(waits[1]!.attempt, 1);
  assert.equal(client.status, 'reconnecting');

  // Home Assistant moves on meanwhile; the new process must bring the client up to date.
  homeAssistant.callService('light', 'toggle', { entity_id: 'light.kitchen' });
  homeAssistant.callService('light', 'turn_off', { entity_id: 'light.hallway' });
  const resumeFrom = client.lastEventId;
  hub = await startHub();
  timers.fireAll();
  await until(() => snapshots.length === 2, 'the states after the gap', 10_000);
  assert.equal(snapshots[1]!.reason, 'replay_gap');
  assert.deepEqual(Object.fromEntries(Object.entries(client.states).map(([id, s]) => [id, s.state])), lightStates(), 'current again');
  assert.notEqual(client.lastEventId, resumeFrom);

  homeAssistant.callService('light', 'toggle', { entity_id: 'light.bedroom' });
  await until(() => live.length === 3, 'live after the restart');
  assert.equal(live[2]!.data && (live[2]!.data as { entity_id: string }).entity_id, 'light.bedroom');
  const tail = log.slice(log.indexOf('error:server_shutdown'));
  assert.deepEqual(tail.slice(0, 6), [
    'error:server_shutdown',
    'reconnecting:stream_ended',
    'reconnecting:network_error',
    'connection',
    'error:replay_gap',
    'state_changed',
  ]);
  assert.ok(tail.indexOf('states:replay_gap') > tail.indexOf('error:replay_gap'));
  assert.equal(client.metrics.reconnects, 1);
  hub.child.kill('SIGTERM');
  await within(hub.exit, 10_000);
});
