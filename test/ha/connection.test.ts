/** HaConnection against the simulator (and a hand-written core for odd frames), with real sockets. */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocketServer, type WebSocket } from 'ws';
import { HaConnection, type HaConnectionOptions } from '../../src/ha/connection.ts';
import { HaCommandError, HaConnectionLostError } from '../../src/ha/errors.ts';
import { getStates, subscribeEvents } from '../../src/ha/messages.ts';
import { HaSimulator } from '../../src/simulator/index.ts';
import { FakeClock } from '../fake-clock.ts';
import { callService, captureLogger } from './helpers.ts';
import { until } from '../until.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simulator(): Promise<HaSimulator> {
  const sim = new HaSimulator({ seed: 5 });
  await sim.start();
  cleanups.push(() => sim.stop());
  return sim;
}

const FAST = { pingIntervalMs: 60_000, backoffBaseMs: 20, backoffCapMs: 100, authTimeoutMs: 2000 };

function connection(options: Partial<HaConnectionOptions> & Pick<HaConnectionOptions, 'url' | 'token'>) {
  const log = captureLogger();
  const conn = new HaConnection({ ...FAST, logger: log.logger, ...options });
  cleanups.push(() => conn.stop());
  return { conn, log };
}

test('connects, answers commands, rejects failed ones with HaCommandError', async () => {
  const sim = await simulator();
  const { conn } = connection({ url: sim.wsUrl, token: sim.adminToken });
  await conn.start();
  await until(() => conn.connected, 'connected');
  assert.equal(conn.haVersion, '2025.8.1');
  const states = await conn.command<unknown[]>(getStates());
  assert.ok(states.length >= 30);
  await assert.rejects(conn.command(callService('light', 'nope')), (err: unknown) => err instanceof HaCommandError && err.code === 'not_found');
});

test('core restarted 10 times during a stream: reconnects and resubscribes with fresh ids each time', async () => {
  const sim = await simulator();
  const { conn } = connection({ url: sim.wsUrl, token: sim.adminToken });
  const received: number[] = [];
  const subscription = conn.subscribe(subscribeEvents('tick'), {
    onEvent: (event) => received.push((event as { data: { n: number } }).data.n),
  });
  let connects = 0;
  conn.onConnected(() => connects++);
  await conn.start();
  let n = 0;
  const seenIds: number[] = [];
  for (let round = 0; round < 10; round++) {
    await until(() => connects === round + 1 && subscription.active, `subscription live (round ${round})`);
    seenIds.push(subscription.id ?? -1);
    assert.deepEqual(sim.activeSubscriptions().map((s) => s.eventTypes), [['tick']], 'exactly one subscription on one connection');
    for (let i = 0; i < 5; i++) sim.fireEvent('tick', { n: n++ });
    await until(() => received.length === n, 'events of this round');
    await sim.restart();
  }
  await until(() => connects === 11 && subscription.active, 'last reconnect');
  assert.deepEqual(received, [...Array(50).keys()], 'every event delivered once, in order');
  // On a fresh socket ids start over: 1 is supported_features, so the resubscription is 2 every time.
  assert.deepEqual(seenIds, Array(10).fill(2));
  assert.equal(sim.connectionsAccepted, 11);
});

test('HTTP 502 on upgrade is logged as "core restarting" and retried', async () => {
  const sim = await simulator();
  sim.rejectUpgrades(502);
  const { conn, log } = connection({ url: sim.wsUrl, token: sim.adminToken });
  await conn.start();
  await until(() => log.lines().filter((l) => String(l.msg).includes('restarting (HTTP 502')).length >= 2, 'two 502 retries');
  assert.equal(conn.connected, false);
  sim.rejectUpgrades(null);
  await until(() => conn.connected, 'connected after core is back');
});

test('auth_invalid: logged clearly without the token, retried slowly (doubling), never in a tight loop', async () => {
  const sim = await simulator();
  const clock = new FakeClock(0);
  let token = 'definitely-not-a-valid-token-0123456789';
  const { conn, log } = connection({ url: sim.wsUrl, token: () => token, invalidAuthRetryMs: 200, timers: clock });
  await conn.start();
  // The simulator counts the rejection when it sends auth_invalid; the client sees it a moment later.
  await until(() => sim.failedLogins === 1 && conn.status === 'auth_invalid', 'first rejection handled');
  // The next attempt waits 200 ms, the one after 400 ms: nothing is tried before its time.
  for (const [round, delay] of [200, 400].entries()) {
    clock.advance(delay - 1);
    assert.equal(conn.status, 'auth_invalid', 'no attempt before the retry delay');
    assert.equal(sim.failedLogins, round + 1);
    clock.advance(1);
    await until(() => sim.failedLogins === round + 2 && conn.status === 'auth_invalid', `rejection ${round + 2}`);
  }
  const errors = log.lines().filter((l) => l.level === 50);
  assert.ok(errors.some((l) => String(l.msg).includes('rejected the access token') && l.coreMessage === 'Invalid access token or password'));
  assert.deepEqual(errors.map((l) => l.retryInMs), [200, 400, 800]);
  assert.ok(!log.text().includes(token), 'the token never appears in the log');
  token = sim.adminToken;
  clock.advance(800);
  await until(() => conn.connected, 'connected with the corrected token');
});

test('a core that stops answering pings is dropped and reconnected', async () => {
  const sim = await simulator();
  const clock = new FakeClock(0);
  const { conn, log } = connection({ url: sim.wsUrl, token: sim.adminToken, pingIntervalMs: 40, pongTimeoutMs: 250, timers: clock });
  let disconnects = 0;
  conn.onDisconnected(() => disconnects++);
  await conn.start();
  await until(() => conn.connected, 'connected');
  const idle = clock.pending; // the ping interval
  for (let ping = 0; ping < 3; ping++) {
    clock.advance(40); // a ping goes out, with its pong deadline
    assert.equal(clock.pending, idle + 1);
    await until(() => clock.pending === idle, `pong ${ping} answered (its deadline cleared)`);
  }
  clock.advance(1000); // answered pings leave no deadline behind: nothing can fire
  assert.equal(disconnects, 0);
  assert.ok(conn.connected);

  sim.stall(true);
  clock.advance(40); // the next ping finds a stalled core
  clock.advance(249);
  assert.equal(disconnects, 0, 'not before the pong deadline');
  clock.advance(1);
  await until(() => disconnects === 1, 'pong deadline hit');
  assert.ok(log.lines().some((l) => String(l.msg).includes('did not answer ping')));
  sim.stall(false);
  clock.advance(100); // the reconnect backoff (capped at 100 ms here)
  await until(() => conn.connected, 'reconnected');
});

test('pending commands are rejected with HaConnectionLostError when the socket drops', async () => {
  const sim = await simulator();
  const { conn } = connection({ url: sim.wsUrl, token: sim.adminToken });
  await conn.start();
  await until(() => conn.connected, 'connected');
  sim.stall(true);
  const pending = conn.command(getStates());
  sim.dropAllConnections();
  await assert.rejects(pending, HaConnectionLostError);
  await assert.rejects(conn.command(getStates()), HaConnectionLostError, 'not connected → rejected at once');
  sim.stall(false);
});

test('stop() ends retrying', async () => {
  const sim = await simulator();
  sim.rejectUpgrades(502);
  const clock = new FakeClock(0);
  const { conn } = connection({ url: sim.wsUrl, token: sim.adminToken, timers: clock });
  await conn.start();
  await until(() => conn.status === 'retrying' && clock.pending === 1, 'a retry scheduled after the 502');
  await conn.stop();
  assert.equal(clock.pending, 0, 'the retry timer is cancelled');
  sim.rejectUpgrades(null);
  const accepted = sim.connectionsAccepted;
  clock.advance(60_000);
  assert.equal(sim.connectionsAccepted, accepted);
  assert.equal(conn.status, 'stopped');
});

/** A hand-written core that authenticates, then lets the test script its frames. */
async function scriptedCore(): Promise<{ url: string; received: Record<string, unknown>[]; socket: () => WebSocket }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  const received: Record<string, unknown>[] = [];
  let current: WebSocket | undefined;
  wss.on('connection', (ws) => {
    current = ws;
    ws.send(JSON.stringify({ type: 'auth_required', ha_version: '2025.8.1' }));
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if (message.type === 'auth') ws.send(JSON.stringify({ type: 'auth_ok', ha_version: '2025.8.1' }));
      else received.push(message);
    });
  });
  const address = wss.address() as { port: number };
  return { url: `ws://127.0.0.1:${address.port}/api/websocket`, received, socket: () => current as WebSocket };
}

test('strictly increasing ids, results matched by id out of order, coalesced arrays, malformed frames dropped', async () => {
  const core = await scriptedCore();
  const { conn, log } = connection({ url: core.url, token: 'scripted-core-token-123' });
  const events: unknown[] = [];
  conn.subscribe(subscribeEvents('x'), { onEvent: (e) => events.push(e) });
  await conn.start();
  await until(() => core.received.length === 2, 'supported_features and subscribe received');
  const a = conn.command<string>({ type: 'a' });
  const b = conn.command<string>({ type: 'b' });
  await until(() => core.received.length === 4, 'commands received');
  assert.deepEqual(
    core.received.map((m) => [m.id, m.type]),
    [
      [1, 'supported_features'],
      [2, 'subscribe_events'],
      [3, 'a'],
      [4, 'b'],
    ],
  );
  assert.deepEqual(core.received[0]?.features, { coalesce_messages: 1 });
  const ws = core.socket();
  ws.send('this is not json');
  ws.send(Buffer.from([1, 2, 3]), { binary: true });
  ws.send(JSON.stringify([{ id: 4, type: 'result', success: true, result: 'B' }, { type: 'mystery' }, 42, { id: 3, type: 'result', success: true, result: 'A' }]));
  ws.send(JSON.stringify({ type: 'event', event: { event_type: 'x', n: 1 }, id: 2 }));
  ws.send(JSON.stringify({ type: 'event', event: { event_type: 'x', n: 2 }, id: 99 }));
  assert.deepEqual(await Promise.all([a, b]), ['A', 'B']);
  await until(() => events.length === 1, 'event delivered');
  assert.deepEqual(events, [{ event_type: 'x', n: 1 }]);
  assert.ok(conn.connected, 'garbage never takes the connection down');
  const warnings = log.lines().filter((l) => l.level === 40).map((l) => String(l.msg));
  assert.ok(warnings.some((m) => m.includes('malformed')));
  assert.ok(warnings.some((m) => m.includes('binary')));
});
