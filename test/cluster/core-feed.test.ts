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

function feed(now = () => 0, windowMs?: number) {
  const appended: HubEvent[] = [];
  const f = new CoreFeed({ append: (e) => appended.push(e), now, windowMs });
  return { f, appended, ns: () => appended.map((e) => (e.data as { n?: number; state?: string }).n ?? (e.data as { state: string }).state) };
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

  test('a failed append holds it and everything after it until the lock is confirmed, then appends them in order', () => {
    const { f, appended, ns } = feed();
    f.takeOver();
    f.goLive();
    f.publish(event(1));
    f.appendFailed(event(1));
    f.publish(event(2));
    f.publish(event(3));
    assert.equal(appended.length, 1, 'only the first attempt went out');
    assert.equal(f.flush(), 3);
    assert.deepEqual(ns(), [1, 1, 2, 3]);
    assert.equal(f.flush(), 0, 'nothing left');
  });

  test('a demoted leader keeps what it holds; idle forgets it', () => {
    const { f, ns } = feed();
    f.takeOver();
    f.goLive();
    f.publish(event(1));
    f.appendFailed(event(1));
    f.demote();
    f.takeOver();
    f.goLive();
    assert.deepEqual(ns(), [1, 1]);
    f.publish(event(2));
    f.appendFailed(event(2));
    f.idle();
    f.takeOver();
    assert.deepEqual(f.goLive(), { resynced: 0, recovered: 0 });
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
