/**
 * The Hub on real loopback sockets (no HTTP: the stream adapter without chunked coding): handover,
 * interest, system frames, upstream, shutdown, registry.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HubFullError, HubStoppedError } from '../../src/hub/errors.ts';
import { ALL_TYPES, createFilter, matches } from '../../src/hub/filter.ts';
import type { StampedEvent } from '../../src/base/types.ts';
import { FakeClock } from '../metrics/helpers.ts';
import { ADMIN, USER, ev, setup } from './harness.ts';
import { until } from '../until.ts';

describe('replay handover (docs/ARCHITECTURE.md §5.6)', () => {
  test('events published before, during and after reading history arrive once each, in order', async () => {
    // Events go straight into the transport here, as if every type were recorded.
    const { transport, connect } = await setup({}, undefined, true);
    const filter = createFilter(['state_changed'], [], ['light']);
    const all: StampedEvent[] = [];
    const pub = (id: string, n: number) => all.push(transport.publishSync(ev(id, n)));
    for (let i = 0; i < 10; i++) pub(i % 2 ? 'light.a' : 'switch.b', i);
    const since = all[3]!.id;
    let n = 100;
    // Before the snapshot: in both history and the queue. After: only in the queue. The last
    // event of the snapshot does not match the filter, the case a naive "drop up to the last
    // replayed id" dedup gets wrong.
    transport.duringReplay = async (phase) => {
      if (phase === 'before') {
        pub('light.a', n++);
        pub('switch.b', n++);
        await new Promise((r) => setImmediate(r));
      } else {
        pub('light.a', n++);
        pub('light.a', n++);
      }
    };
    const ticker = setInterval(() => pub(n % 3 ? 'light.a' : 'switch.b', n++), 1);
    const { client, opened } = await connect(ADMIN, filter, { lastEventId: since });
    await opened.ready;
    const atLive = all.length;
    await until(() => all.length >= atLive + 10, 'live events after the handover');
    clearInterval(ticker);
    // The last event: once it is in, anything duplicated or out of order would be in before it.
    pub('light.a', n++);
    const expected = all.slice(4).filter((s) => matches(filter, s.event)).map((s) => s.id);
    await until(() => client.events.at(-1)?.id === expected.at(-1), 'the last event');
    assert.deepEqual(
      client.events.map((f) => f.id),
      expected,
    );
    assert.ok(expected.length > 8, 'the test published during the handover');
  });

  test('several subscribers resuming from different ids under continuous publishing', async () => {
    const { transport, connect } = await setup({}, undefined, true);
    const all: StampedEvent[] = [];
    for (let i = 0; i < 20; i++) all.push(transport.publishSync(ev(`sensor.s${i % 4}`, i)));
    // Reading history takes as long as two more live events: the handover overlaps publishing.
    transport.duringReplay = async () => {
      const target = all.length + 2;
      await until(() => all.length >= target, 'live events during the replay');
    };
    const ticker = setInterval(() => all.push(transport.publishSync(ev(`sensor.s${all.length % 4}`, all.length))), 1);
    const filters = [createFilter(ALL_TYPES), createFilter(['state_changed'], ['sensor.s1', 'sensor.s2']), createFilter(['state_changed'], [], ['sensor'])];
    // Opened one after the other (so each accept pairs with its client), handovers still overlap.
    const subs = [];
    for (const [i, filter] of filters.entries()) {
      subs.push({ ...(await connect(ADMIN, filter, { lastEventId: all[i * 5]!.id })), filter, from: i * 5 });
    }
    await Promise.all(subs.map((s) => s.opened.ready));
    const atLive = all.length;
    await until(() => all.length >= atLive + 10, 'live events after the handovers');
    clearInterval(ticker);
    all.push(transport.publishSync(ev('sensor.s1', -1))); // every filter passes it: the last event for all
    for (const s of subs) {
      const expected = all.slice(s.from + 1).filter((e) => matches(s.filter, e.event)).map((e) => e.id);
      await until(() => s.client.events.at(-1)?.id === expected.at(-1), 'the last event');
      assert.deepEqual(
        s.client.events.map((f) => f.id),
        expected,
      );
    }
  });

  test('a gap sends replay_gap carrying the head id at registration, then live events', async () => {
    const { transport, connect } = await setup();
    const head = transport.head();
    const { client, opened } = await connect(ADMIN, createFilter(ALL_TYPES), { lastEventId: '999999' });
    await opened.ready;
    const live = transport.publishSync(ev('light.a'));
    await until(() => client.frames.length === 3, 'frames');
    assert.deepEqual(
      client.frames.map((f) => [f.json.type, f.json.error, f.id]),
      [
        ['connection', undefined, '999999'],
        ['error', 'replay_gap', head],
        ['state_changed', undefined, live.id],
      ],
    );
  });
});

describe('batched writes', () => {
  test('a burst in one tick arrives complete and in order, and held-back bytes do not count against the limit', async () => {
    const { transport, observer, connect } = await setup({ slowConsumerLimitBytes: 48 * 1024 });
    const { client } = await connect(ADMIN, createFilter(ALL_TYPES));
    const payload = 'y'.repeat(1024);
    const ids: string[] = [];
    // 120 KiB in one tick: more than the limit, but the batch is flushed every 24 KiB and the
    // client reads, so nothing is left unwritten for long.
    for (let i = 0; i < 120; i++) ids.push(transport.publishSync({ ...ev('light.a', i), data: { payload } }).id);
    await until(() => client.events.length === 120, 'the whole burst');
    assert.deepEqual(
      client.events.map((f) => f.id),
      ids,
    );
    assert.deepEqual(observer.reasons(), []);
    assert.equal(observer.deliveries, 120);
  });
});

describe('interest', () => {
  test('one retain per type while any stream needs it (* for admins without events), released with the last', async () => {
    const { hub, interest, connect } = await setup({ interestLingerMs: 0 });
    const a = await connect(ADMIN, createFilter(ALL_TYPES));
    const b = await connect(USER, createFilter(['state_changed', 'themes_updated'], ['light.x']));
    const c = await connect(ADMIN, createFilter(['state_changed']));
    assert.deepEqual(interest.held, ['*', 'state_changed', 'themes_updated']);
    assert.equal(interest.counts.get('state_changed'), 1, 'two streams, one retain');
    assert.equal(hub.close(b.opened.id, 'admin_closed'), true);
    assert.deepEqual(interest.held, ['*', 'state_changed'], 'c still needs state_changed');
    c.client.socket.destroy();
    await until(() => interest.held.length === 1, 'release on client close');
    assert.deepEqual(interest.held, ['*']);
    a.client.socket.destroy();
    await until(() => interest.held.length === 0, 'all released');
    assert.equal(interest.retains, interest.releases);
  });

  test('a resume within the linger is exact; after it, the history is partial and answered with replay_gap', async () => {
    const clock = new FakeClock(Date.UTC(2024, 1, 10, 12));
    const { hub, transport, interest, connect } = await setup({ interestLingerMs: 60_000 }, clock);
    const filter = createFilter(['state_changed'], ['light.a']);
    const first = await connect(ADMIN, filter);
    const seen = transport.publishSync(ev('light.a', 1));
    await until(() => first.client.events.length === 1, 'the first event');
    first.client.socket.destroy();
    await until(() => hub.list().length === 0, 'the stream is gone');
    assert.deepEqual(interest.held, ['state_changed'], 'the type lingers');
    const missed = transport.publishSync(ev('light.a', 2)); // recorded: the type lingers

    const within = await connect(ADMIN, filter, { lastEventId: seen.id });
    await within.opened.ready;
    await until(() => within.client.events.length === 1, 'the missed event');
    assert.equal(within.client.events[0]!.id, missed.id);
    assert.equal(within.client.ofType('error').length, 0);
    within.client.socket.destroy();

    await until(() => hub.list().length === 0, 'the second stream is gone');
    clock.advance(60_000);
    assert.deepEqual(interest.held, [], 'let go after the linger');
    transport.publishSync(ev('light.a', 3)); // core would not have delivered this one: nobody held the type
    const late = await connect(ADMIN, filter, { lastEventId: missed.id });
    await late.opened.ready;
    await until(() => late.client.ofType('error').length === 1, 'replay_gap');
    assert.equal((late.client.ofType('error')[0]!.json as { error?: string }).error, 'replay_gap');
    assert.equal(late.client.events.length, 0, 'no silently partial history');
  });
});

describe('system frames', () => {
  test('pings every interval carry the id of the last event the stream has seen, or the head at connect time', async () => {
    const clock = new FakeClock(Date.UTC(2024, 1, 10, 12));
    const { transport, connect } = await setup({ pingIntervalMs: 30_000 }, clock);
    transport.publishSync(ev('light.z'));
    const head = transport.head();
    const { client } = await connect(ADMIN, createFilter(['state_changed'], ['light.a']));
    clock.advance(29_999);
    const seen = transport.publishSync(ev('light.a')); // a frame after any early ping: none came before it
    await until(() => client.events.length === 1, 'the event');
    assert.equal(client.ofType('ping').length, 0, 'no ping before the interval');
    clock.advance(1);
    await until(() => client.ofType('ping').length === 1, 'first ping');
    assert.equal(client.ofType('ping')[0]!.id, seen.id);
    assert.equal(client.ofType('ping')[0]!.json.timestamp, new Date(clock.now()).toISOString());
    transport.publishSync(ev('light.other'));
    clock.advance(30_000);
    await until(() => client.ofType('ping').length === 2, 'next ping');
    assert.equal(client.ofType('ping').at(-1)!.id, seen.id, 'an event the stream did not get does not move its id');
    const late = await connect(USER, createFilter(['state_changed'], ['light.b']));
    clock.advance(30_000);
    await until(() => late.client.ofType('ping').length === 1, 'a ping on a stream without events');
    assert.equal(late.client.ofType('ping')[0]!.id, transport.head());
    assert.notEqual(head, transport.head());
  });

  test('notifyAdmins reaches admin streams only', async () => {
    const { hub, transport, connect } = await setup();
    const admin = await connect(ADMIN, createFilter(ALL_TYPES));
    const user = await connect(USER, createFilter(['state_changed']));
    hub.notifyAdmins('alert', { name: 'high_cpu' });
    const after = transport.publishSync(ev('light.a')); // both get it, after the alert if any
    await until(() => admin.client.ofType('alert').length === 1, 'alert');
    await until(() => user.client.events.at(-1)?.id === after.id, 'the event after the alert');
    assert.deepEqual(admin.client.ofType('alert')[0]!.json.data, { name: 'high_cpu' });
    assert.equal(user.client.ofType('alert').length, 0);
  });

  test('upstream loss: one upstream_unavailable per stream, streams stay open, events flow again after', async () => {
    const { transport, upstream, connect } = await setup();
    const a = await connect(ADMIN, createFilter(ALL_TYPES));
    upstream.set('disconnected');
    upstream.set('disconnected');
    const late = await connect(USER, createFilter(['state_changed']));
    await until(() => a.client.ofType('error').length === 1 && late.client.ofType('error').length === 1, 'notices');
    assert.equal(a.client.ofType('error')[0]!.json.error, 'upstream_unavailable');
    assert.equal(late.client.frames[1]!.json.error, 'upstream_unavailable', 'a stream opened while down is told at once');
    upstream.set('connected');
    const resync = transport.publishSync({ ...ev('light.a'), resync: true });
    await until(() => a.client.events.length === 1 && late.client.events.length === 1, 'resync event');
    assert.equal(a.client.events[0]!.id, resync.id);
    assert.equal(a.client.ofType('error').length, 1);
    assert.equal(a.client.ended, false);
  });

  test('stop sends server_shutdown with a jittered retry hint, ends the streams and refuses new ones', async () => {
    const { hub, connect } = await setup({ retryMs: 1000, retryJitterMs: 2000 });
    const a = await connect(ADMIN, createFilter(ALL_TYPES));
    await hub.stop();
    await until(() => a.client.ended, 'end');
    const last = a.client.frames.at(-1)!;
    assert.equal(last.json.error, 'server_shutdown');
    assert.equal(last.retry, 2000, 'retryMs + random(0.5) × jitter');
    assert.throws(() => hub.assertCapacity(), HubStoppedError);
  });
});

describe('stop with a stuck client', () => {
  test('stop() destroys sockets that do not flush within its grace period', async () => {
    const clock = new FakeClock(Date.UTC(2024, 1, 10, 12));
    const { hub, transport, connect } = await setup({ slowConsumerLimitBytes: 256 * 1024 * 1024, closeGraceMs: 60_000 }, clock);
    const { client, socket } = await connect(ADMIN, createFilter(ALL_TYPES));
    client.socket.pause();
    const big = 'z'.repeat(64 * 1024);
    for (let i = 0; i < 400 && socket.writableLength === 0; i++) {
      transport.publishSync({ ...ev('light.a', i), data: { big } });
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(socket.writableLength > 0, 'the server socket is backed up');
    let stopped = false;
    const stopping = hub.stop(300).then(() => (stopped = true));
    clock.advance(299);
    await new Promise((r) => setImmediate(r));
    assert.equal(socket.destroyed, false, 'not before the grace period');
    assert.equal(stopped, false);
    clock.advance(1);
    assert.equal(socket.destroyed, true);
    await stopping;
  });
});

describe('registry and observer', () => {
  test('list, get, close, capacity and observer counts', async () => {
    const { hub, transport, observer, connect } = await setup({ maxClients: 2 });
    const a = await connect(ADMIN, createFilter(['state_changed'], ['light.a'], ['switch']));
    const b = await connect(USER, createFilter(['state_changed']));
    assert.throws(() => hub.assertCapacity(), HubFullError);
    const snap = hub.get(a.opened.id)!;
    assert.deepEqual(snap.subscriptions, [
      { eventType: 'state_changed', entityId: 'light.a' },
      { eventType: 'state_changed', entityId: 'switch.*' },
    ]);
    assert.equal(snap.state, 'active');
    transport.publishSync(ev('light.a'));
    transport.publishSync(ev('sensor.b'));
    await until(() => b.client.events.length === 2, 'events');
    assert.equal(observer.received, 2);
    assert.equal(observer.deliveries, 3);
    assert.equal(hub.get(b.opened.id)!.eventsSent, 2);
    assert.equal(hub.list().length, 2);
    assert.equal(hub.close(a.opened.id, 'admin_closed'), true);
    assert.equal(hub.close(a.opened.id, 'admin_closed'), false, 'already closing');
    assert.equal(hub.close('nope', 'admin_closed'), false);
    await until(() => hub.list().length === 1, 'closed one removed');
    assert.deepEqual(observer.reasons(), ['admin_closed']);
    assert.equal(observer.opened.length, 2);
    assert.equal(hub.backlogBytes(), 0);
  });
});
