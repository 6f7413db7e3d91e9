/**
 * The client library against the real server in demo mode (SseHubServer as main.ts builds it,
 * in process, real sockets on 127.0.0.1): resume across a LAN listener restart with every event
 * once and in order, the server's `retry:` hint, `replay_gap` with a state refetch, and 401.
 * Delays are read from fake timers the client was given, never measured with sleeps.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import { SseClientError, connect, subscribeEntities, type SseClient } from '../../src/web/client/index.ts';
import type { ReconnectInfo, StatesSnapshot, StateChangedMessage } from '../../src/web/client/types.ts';
import { type DemoServer, recordingFetch, startDemoServer } from './client-harness.ts';
import { until } from '../until.ts';
import { FakeClock } from '../fake-clock.ts';

let demo: DemoServer;
const clients: SseClient[] = [];
const track = (client: SseClient) => (clients.push(client), client);

before(async () => {
  demo = await startDemoServer();
});

after(async () => {
  for (const client of clients) client.close();
  await demo.stop();
});

const SENSOR = 'sensor.client_test';

describe('client against the demo server', () => {
  it('resumes across a listener restart: every event exactly once, in order', { timeout: 20_000 }, async () => {
    const { server, sim, base } = demo;
    // A stream on the ingress listener (which stays up) keeps core's subscription while the LAN
    // listener is down, so what happens meanwhile is in the replay buffer.
    const witness = new EventSource(`http://127.0.0.1:${server.ingress.port}/subscribe_events?token=${sim.adminToken}&entity_id=${SENSOR}`);
    await new Promise<void>((resolve, reject) => ((witness.onopen = () => resolve()), (witness.onerror = reject)));
    const client = track(connect({ url: base, token: sim.adminToken, events: 'state_changed', entity_id: SENSOR, cache: false, backoff: { baseMs: 50, capMs: 200 } }));
    const seen: StateChangedMessage[] = [];
    client.on('state_changed', (m) => seen.push(m));
    await until(() => client.status === 'open', 'first connection');
    for (let i = 1; i <= 5; i++) sim.setState(SENSOR, String(i));
    await until(() => seen.length === 5, 'five live events');

    await server.lan.stop(100);
    await until(() => client.status === 'reconnecting', 'the client noticed the drop');
    for (let i = 6; i <= 10; i++) sim.setState(SENSOR, String(i));
    await server.lan.start();
    await until(() => seen.length >= 10, 'the five missed events, replayed', 10_000);
    for (let i = 11; i <= 15; i++) sim.setState(SENSOR, String(i));
    await until(() => seen.length >= 15, 'live again');
    witness.close();

    assert.deepEqual(
      seen.map((m) => m.data?.state),
      Array.from({ length: 15 }, (_, i) => String(i + 1)),
      'every value once, in order',
    );
    const ids = seen.map((m) => Number(m.eventId));
    assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]!), 'ids increase');
    assert.equal(client.metrics.reconnects, 1);
    assert.equal(client.metrics.messagesReceived >= 17, true, 'two connection messages and fifteen events');
    assert.equal(client.states[SENSOR]?.state, '15', 'the memory cache follows the stream');
  });

  it('batch: each message of a batch frame reaches the listeners on its own, in order, over gzip', async () => {
    const { sim, base } = demo;
    const entity = 'sensor.client_batch';
    const { fetch, requests } = recordingFetch();
    const client = track(connect({ url: base, token: sim.adminToken, entity_id: entity, batch: 100, cache: false, fetch }));
    const seen: StateChangedMessage[] = [];
    client.on('state_changed', (m) => seen.push(m));
    await until(() => client.status === 'open', 'connection');
    for (let i = 1; i <= 4; i++) sim.setState(entity, `b${i}`);
    await until(() => seen.length === 4, 'four events from one or more batches');
    assert.deepEqual(seen.map((m) => m.data?.state), ['b1', 'b2', 'b3', 'b4']);
    assert.match(requests[0]!.url, /[?&]batch=100(&|$)/);
    assert.equal(requests[0]!.contentEncoding, 'gzip', 'fetch sends Accept-Encoding: gzip; the hub compresses');
    assert.ok(seen.at(-1)!.eventId, 'the last message of a batch carries the frame id');
    assert.equal(client.lastEventId, seen.at(-1)!.eventId);
    assert.equal(client.states[entity]?.state, 'b4');
  });

  it("waits exactly the server's retry: hint before reconnecting", async () => {
    const { sim, base } = demo;
    const timers = new FakeClock(0);
    const { fetch, requests } = recordingFetch();
    // With random() = 0 the backoff alone would retry at once: any wait comes from the hint.
    // idleTimeoutMs 0: no stall watchdog among the timers this test reads.
    const client = track(
      connect({ url: base, token: sim.adminToken, entity_id: SENSOR, cache: false, timers, random: () => 0, fetch, idleTimeoutMs: 0 }),
    );
    const connected: string[] = [];
    client.on('connection', (m) => connected.push(m.id));
    await until(() => connected.length === 1, 'connection');
    const del = await globalThis.fetch(`${base}/api/sse/connections/${connected[0]}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${sim.adminToken}` },
    });
    assert.equal(del.status, 200);
    await until(() => timers.pending === 1, 'a reconnect timer');
    assert.deepEqual(timers.pendingDelays(), [3000], "the hub's retry: 3000");
    const streams = requests.filter((r) => r.url.includes('/subscribe_events')).length;
    assert.equal(streams, 1, 'no second attempt before the timer fires');
    timers.fireAll();
    await until(() => connected.length === 2, 'reconnected after the timer');
    const resumed = requests.filter((r) => r.url.includes('/subscribe_events'))[1]!;
    assert.equal(resumed.headers['Last-Event-ID'], client.lastEventId, 'resumes with the last id');
    assert.equal(resumed.headers.Authorization, `Bearer ${sim.adminToken}`, 'the token travels in the header');
    assert.ok(!resumed.url.includes('token='), 'never in the URL with fetch');
  });

  it('refetches the current states on replay_gap and tells the application', async () => {
    const { sim, base } = demo;
    sim.setState(SENSOR, 'before-gap');
    const { fetch, requests } = recordingFetch();
    // An id from before this server started: the hub cannot replay from it.
    const client = track(connect({ url: base, token: sim.adminToken, domain: 'light', cache: false, fetch, last_event_id: '5' }));
    const order: string[] = [];
    let snapshot: StatesSnapshot | undefined;
    client.on('replay_gap', () => order.push('replay_gap'));
    client.on('states', (s) => {
      order.push(`states:${s.reason}`);
      snapshot = s;
    });
    await until(() => snapshot !== undefined, 'a states snapshot');
    assert.deepEqual(order, ['replay_gap', 'states:replay_gap']);
    assert.equal(requests[0]!.headers['Last-Event-ID'], '5');
    assert.match(requests[0]!.url, /initial_state=true/, 'asks for states on every resume');
    const expected = Object.fromEntries(sim.core.states.all().filter((s) => s.entity_id.startsWith('light.')).map((s) => [s.entity_id, s.state]));
    assert.deepEqual(
      Object.fromEntries(Object.entries(snapshot!.states).map(([id, s]) => [id, s.state])),
      expected,
      "the snapshot is core's current light states",
    );
    assert.notEqual(client.lastEventId, '5', 'resumes from the snapshot point next time');
    sim.callService('light', 'toggle', { entity_id: 'light.kitchen' });
    await until(() => client.states['light.kitchen']?.state === sim.core.states.get('light.kitchen')!.state, 'live after the snapshot');
  });

  it('reopens a stream that went silent (no ping within idleTimeoutMs)', async () => {
    const { sim, base } = demo;
    const timers = new FakeClock(0);
    const client = track(connect({ url: base, token: sim.adminToken, events: 'state_changed', entity_id: SENSOR, cache: false, timers, idleTimeoutMs: 45_000 }));
    const waits: ReconnectInfo[] = [];
    let connectionId = '';
    client.on('reconnecting', (w) => waits.push(w));
    client.on('connection', (m) => (connectionId ||= m.id));
    await until(() => client.status === 'open', 'open');
    assert.deepEqual(timers.pendingDelays(), [45_000], 'the watchdog is armed');
    sim.setState(SENSOR, 'tick');
    await until(() => client.states[SENSOR]?.state === 'tick', 'an event');
    assert.equal(timers.pending, 1, 're-armed, not stacked');
    timers.fireAll(); // 45 s of silence
    await until(() => waits.length === 1, 'a reconnect');
    assert.equal(waits[0]!.reason, 'stalled');
    assert.equal(client.metrics.lastError?.code, 'stalled');
    await until(() => demo.server.hub.list().every((c) => c.id !== connectionId), 'the old stream is gone from the hub');
  });

  it('subscribeEntities calls back at once, then with the states and every change; for await sees the messages', async () => {
    const { sim, base } = demo;
    const calls: Record<string, string | null>[] = [];
    const { client, unsubscribe } = subscribeEntities({ url: base, token: sim.adminToken, entity_id: ['light.hallway', 'light.porch'], cache: false }, (states) =>
      calls.push(Object.fromEntries(Object.entries(states).map(([id, s]) => [id, s.state]))),
    );
    track(client);
    assert.deepEqual(calls, [{}], 'at once, with what is cached (nothing here)');
    const types: string[] = [];
    const iterate = (async () => {
      for await (const message of client) {
        types.push(message.type);
        if (message.type === 'state_changed' && (message.data as { old_state: unknown }).old_state !== null) break;
      }
    })();
    const current = () => ({ 'light.hallway': sim.core.states.get('light.hallway')!.state, 'light.porch': sim.core.states.get('light.porch')!.state });
    await until(() => JSON.stringify(calls.at(-1)) === JSON.stringify(current()), 'the initial states');
    sim.callService('light', 'toggle', { entity_id: 'light.porch' });
    await until(() => JSON.stringify(calls.at(-1)) === JSON.stringify(current()), 'the toggle');
    await iterate;
    assert.deepEqual(types.filter((t) => t !== 'ping'), ['connection', 'state_changed', 'state_changed', 'state_changed']);
    unsubscribe();
    assert.equal(client.status, 'closed');
  });

  it('gives up on 403 (an event type the user may not see) without retrying', async () => {
    const timers = new FakeClock(0);
    const client = track(connect({ url: demo.base, token: demo.sim.userToken, events: 'call_service', cache: false, timers }));
    const closed = await new Promise<{ error?: SseClientError }>((resolve) => client.on('closed', resolve));
    assert.equal(closed.error?.status, 403);
    assert.equal(closed.error?.code, 'forbidden_event_type');
    assert.equal(timers.pending, 0);
  });

  it('gives up on 401 without retrying, with a clear error', async () => {
    const timers = new FakeClock(0);
    const { fetch, requests } = recordingFetch();
    const client = track(connect({ url: demo.base, token: 'not-a-valid-token', cache: false, timers, fetch }));
    const closed = await new Promise<{ error?: SseClientError }>((resolve) => client.on('closed', resolve));
    assert.ok(closed.error instanceof SseClientError);
    assert.equal(closed.error.status, 401);
    assert.match(closed.error.message, /token|auth/i);
    assert.equal(client.status, 'closed');
    assert.equal(requests.length, 1, 'one request');
    assert.equal(timers.pending, 0, 'no retry scheduled');
    await assert.rejects(async () => {
      for await (const _ of client) assert.fail('no messages');
    }, SseClientError);
  });

  it('passes on upstream_unavailable while Home Assistant is away, and stays connected', async () => {
    const { sim, base } = demo;
    const client = track(connect({ url: base, token: sim.adminToken, events: 'state_changed', entity_id: SENSOR, cache: false }));
    const errors: string[] = [];
    client.on('upstream_unavailable', (m) => errors.push(`${m.error}: ${m.message}`));
    await until(() => client.status === 'open', 'open');
    sim.rejectUpgrades(502);
    try {
      sim.dropAllConnections();
      await until(() => errors.length === 1, 'upstream_unavailable', 5000);
      assert.match(errors[0]!, /^upstream_unavailable: /);
      assert.equal(client.status, 'open', 'the stream itself stays');
    } finally {
      sim.rejectUpgrades(null);
    }
    await until(() => demo.server.bridge.state === 'connected', 'core back', 5000);
  });
});
