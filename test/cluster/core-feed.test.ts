/** The core feed and its handover buffer (src/cluster/core-feed.ts): what a standby holds, what a new leader appends, in which order. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CoreFeed } from '../../src/cluster/core-feed.ts';
import type { HubEvent } from '../../src/base/types.ts';

function event(n: number, type = 'custom_a', extra: Partial<HubEvent> = {}): HubEvent {
  const timestamp = new Date(1_700_000_000_000 + n).toISOString();
  return { type, data: { n }, timestamp, entityIds: [], domains: [], firedAt: 0, receivedAt: 0, coreId: `ctx${n}|${type}|${timestamp}`, ...extra };
}

function stateEvent(n: number, entity: string, state: string, resync = false): HubEvent {
  const data = { entity_id: entity, state, attributes: {}, last_changed: `t${n}`, last_updated: `t${n}` };
  return { ...event(n, 'state_changed', { entityIds: [entity] }), data, ...(resync ? { resync: true, coreId: undefined } : {}) };
}

const n = (e: HubEvent) => (e.data as { n?: number; state?: string }).n ?? (e.data as { state: string }).state;

/** A feed whose appends succeed at once. */
function feed(now = () => 0, windowMs?: number) {
  const appended: HubEvent[] = [];
  const f = new CoreFeed({ append: async (e) => void appended.push(e), now, windowMs });
  return { f, appended, ns: () => appended.map(n) };
}

/** A feed whose appends stay in flight until the test settles each one, in any order. */
function manualFeed() {
  const issued: { event: HubEvent; ok: () => Promise<void>; fail: () => Promise<void> }[] = [];
  const f = new CoreFeed({
    append: (event) =>
      new Promise<void>((resolve, reject) => {
        // Settling awaits a macrotask so the feed's outcome handlers have run.
        const after = () => new Promise<void>((done) => setImmediate(done));
        issued.push({ event, ok: () => (resolve(), after()), fail: () => (reject(new Error('Connection is closed.')), after()) });
      }),
  });
  const take = (k: number) => issued.find((a) => n(a.event) === k && !('taken' in a) && ((a as { taken?: boolean }).taken = true))!;
  return { f, issued, take, ns: () => issued.map((a) => n(a.event)) };
}

describe('CoreFeed', () => {
  test('a standby holds what core sent until the stream shows it; taking over appends the rest in order, once', () => {
    const { f, appended, ns } = feed();
    f.standby();
    for (const n of [1, 2, 3, 4]) f.publish(event(n));
    f.appended(event(1));
    f.appended(event(3));
    f.appended(event(5)); // the leader appended 5 before the standby's copy arrived
    f.publish(event(5));
    assert.equal(appended.length, 0, 'a standby appends nothing');
    f.takeOver();
    f.publish(event(6)); // live during the takeover: held behind the rest
    assert.deepEqual(f.goLive(), { resynced: 0, recovered: 3 });
    assert.deepEqual(ns(), [2, 4, 6]);
    f.publish(event(7));
    assert.deepEqual(ns(), [2, 4, 6, 7], 'live from then on');
  });

  test('a standby drops its own resync events; a takeover appends resync events first, minus changes a held event carries', () => {
    const { f, ns } = feed();
    f.standby();
    f.publish(stateEvent(1, 'sensor.a', 'from-standby-resync', true));
    f.takeOver();
    f.publish(stateEvent(2, 'sensor.b', 'live-b'));
    f.publish(stateEvent(2, 'sensor.b', 'live-b', true)); // the same change, also in core's states
    f.publish(stateEvent(3, 'sensor.c', 'missed-c', true));
    f.goLive();
    assert.deepEqual(ns(), ['missed-c', 'live-b']);
  });

  test('a failed append holds it and everything after it until the lock is confirmed, then appends them in order', async () => {
    const m = manualFeed();
    m.f.takeOver();
    m.f.goLive();
    m.f.publish(event(1));
    await m.take(1).fail();
    m.f.publish(event(2));
    m.f.publish(event(3));
    assert.deepEqual(m.ns(), [1], 'only the first attempt went out');
    assert.equal(m.f.flush(), 3);
    assert.deepEqual(m.ns(), [1, 1, 2, 3]);
    for (const k of [1, 2, 3]) await m.take(k).ok();
    assert.equal(m.f.flush(), 0, 'nothing left');
  });

  test('an append that fails after a later one did (ioredis retried it) is appended before it, not after', async () => {
    const m = manualFeed();
    m.f.takeOver();
    m.f.goLive();
    m.f.publish(event(122)); // in flight when Redis went away: ioredis retries it once
    m.f.publish(event(123)); // refused at once (no offline queue)
    await m.take(123).fail();
    m.f.publish(event(124));
    await m.take(122).fail(); // the retry gave up
    assert.equal(m.f.flush(), 3);
    assert.deepEqual(m.ns().slice(2), [122, 123, 124], 'core order, whatever order the failures came in');
  });

  test('held events wait for the appends in flight: one failing late still goes first', async () => {
    const m = manualFeed();
    m.f.takeOver();
    m.f.goLive();
    m.f.publish(event(1)); // in flight, retried on its connection
    m.f.publish(event(2));
    await m.take(2).fail();
    assert.equal(m.f.flush(), 0, 'the lock is confirmed while 1 is in flight: nothing is appended yet');
    m.f.publish(event(3));
    assert.deepEqual(m.ns(), [1, 2], 'held behind the flush');
    await m.take(1).fail();
    assert.deepEqual(m.ns(), [1, 2, 1, 2, 3], 'appended in order once 1 settled');
  });

  test('an append of the last term that settles after the lock was won again goes in its place before the held events', async () => {
    const m = manualFeed();
    m.f.takeOver();
    m.f.goLive();
    m.f.publish(event(1));
    m.f.demote(); // Redis restarted empty: the lock is gone
    m.f.publish(event(2));
    m.f.takeOver();
    m.f.publish(event(3));
    assert.deepEqual(m.f.goLive(), { resynced: 0, recovered: 0 }, 'nothing yet: 1 is in flight');
    m.f.publish(event(4));
    await m.take(1).fail(); // fenced: the old token
    assert.deepEqual(m.ns(), [1, 1, 2, 3, 4]);
    for (const k of [1, 2, 3, 4]) await m.take(k).ok();
    m.f.publish(event(5));
    assert.deepEqual(m.ns(), [1, 1, 2, 3, 4, 5], 'live again');
  });

  test('an append that succeeds late leaves nothing held', async () => {
    const m = manualFeed();
    m.f.takeOver();
    m.f.goLive();
    m.f.publish(event(1));
    m.f.publish(event(2));
    await m.take(2).fail();
    assert.equal(m.f.flush(), 0);
    await m.take(1).ok(); // resent by ioredis on reconnect
    assert.deepEqual(m.ns(), [1, 2, 2]);
    assert.equal(m.f.held, 0);
  });

  test('a demoted leader keeps what it holds; idle forgets it', async () => {
    const m = manualFeed();
    m.f.takeOver();
    m.f.goLive();
    m.f.publish(event(1));
    await m.take(1).fail();
    m.f.demote();
    m.f.takeOver();
    m.f.goLive();
    assert.deepEqual(m.ns(), [1, 1]);
    await m.take(1).ok();
    m.f.publish(event(2));
    await m.take(2).fail();
    m.f.idle();
    m.f.takeOver();
    assert.deepEqual(m.f.goLive(), { resynced: 0, recovered: 0 });
  });

  test('held events older than the window are dropped and counted', () => {
    let now = 0;
    const { f } = feed(() => now, 1000);
    f.standby();
    f.publish(event(1));
    now = 500;
    f.publish(event(2));
    now = 1600;
    f.publish(event(3));
    assert.equal(f.dropped, 2, 'events 1 and 2 outgrew the window');
    assert.equal(f.held, 1);
  });
});
