import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTransport } from '../../src/transport/memory.ts';
import { DEFAULT_REPLAY_POLICY } from '../../src/transport/transport.ts';
import { FakeClock } from '../fake-clock.ts';
import { sampleEvent, transportSuite } from './suite.ts';
import { keepLast } from './policies.ts';

transportSuite('memory', ({ history }) => new MemoryTransport({ history }));

const MINUTE = 60_000;
const T0 = 1_800_000_000_000;

describe('MemoryTransport specifics', () => {
  test('ids are consecutive integers from firstId; the head starts just before it', async () => {
    const t = new MemoryTransport({ history: keepLast(4), firstId: 100 });
    await t.start();
    assert.equal(t.head(), '99');
    assert.equal((await t.publish(sampleEvent(1))).id, '100');
    assert.equal((await t.publish(sampleEvent(2))).id, '101');
    await t.stop();
  });

  test('by default ids start from the clock, so a restart never reuses an earlier id', async () => {
    const before = Date.now() * 1000;
    const t = new MemoryTransport();
    await t.start();
    const id = Number((await t.publish(sampleEvent(1))).id);
    assert.ok(id >= before, `${id} >= ${before}`);
    assert.deepEqual(await t.replay(String(before - 5_000_000)), { kind: 'gap' }, 'an id from an earlier run is a gap');
    await t.stop();
  });
});

describe('MemoryTransport history by time (injected clock)', () => {
  const start = async (history = { windowMs: 10 * MINUTE, minEvents: 0, maxBytes: 1 << 30 }) => {
    const clock = new FakeClock(T0);
    const t = new MemoryTransport({ history, now: clock.now, firstId: 1 });
    await t.start();
    return { t, clock };
  };

  test('keeps every event of the window however many: 6000 in under a minute replay exactly', async () => {
    const clock = new FakeClock(T0);
    const t = new MemoryTransport({ now: clock.now, firstId: 1 }); // the defaults: 10 minutes, 1000 events, 16 MiB
    await t.start();
    const from = t.head();
    for (let i = 0; i < 6000; i++) {
      t.publishSync(sampleEvent(i));
      if (i % 100 === 99) clock.advance(900); // 6000 events over 54 s
    }
    const replay = await t.replay(from);
    assert.equal(replay.kind === 'events' ? replay.events.length : replay.kind, 6000);
    assert.deepEqual(replay.kind === 'events' ? replay.events[5999]!.event : undefined, sampleEvent(5999));
    const window = t.window();
    assert.equal(window.events, 6000);
    assert.equal(window.seconds, 54, 'nothing dropped yet: the window reaches back to the first event');
    assert.ok(window.bytes < DEFAULT_REPLAY_POLICY.maxBytes);
    await t.stop();
  });

  test('an event older than the window is dropped, even with no event published since', async () => {
    const { t, clock } = await start();
    const old = [t.publishSync(sampleEvent(1)).id, t.publishSync(sampleEvent(2)).id];
    clock.advance(5 * MINUTE);
    const recent = t.publishSync(sampleEvent(3)).id;
    clock.advance(5 * MINUTE - 1);
    assert.equal((await t.replay(old[0]!)).kind, 'events', 'just inside the window');
    clock.advance(1);
    assert.deepEqual(await t.replay(old[0]!), { kind: 'gap' }, 'event 2 is ten minutes old: gone');
    const after2 = await t.replay(old[1]!);
    assert.deepEqual(after2.kind === 'events' ? after2.events.map((e) => e.id) : after2, [recent]);
    assert.deepEqual(t.window(), { seconds: 600, events: 1, bytes: t.window().bytes }, 'a client away under ten minutes resumes');
    clock.advance(5 * MINUTE);
    assert.deepEqual(await t.replay(old[1]!), { kind: 'gap' });
    assert.deepEqual(await t.replay(recent), { kind: 'events', events: [] }, 'the head still resumes with nothing held');
    assert.equal(t.window().events, 0);
    assert.equal(t.window().seconds, 600, 'since the newest dropped event was published');
    await t.stop();
  });

  test('replay_buffer_size is a minimum: the newest events stay however old', async () => {
    const { t, clock } = await start({ windowMs: MINUTE, minEvents: 3, maxBytes: 1 << 30 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(t.publishSync(sampleEvent(i)).id);
    clock.advance(60 * MINUTE);
    assert.deepEqual(await t.replay(ids[1]!), { kind: 'gap' });
    const kept = await t.replay(ids[2]!);
    assert.deepEqual(kept.kind === 'events' ? kept.events.map((e) => e.id) : kept, ids.slice(3));
    assert.equal(t.window().events, 3);
    await t.stop();
  });

  test('window 0 keeps by count only (the behaviour before 0.2.0)', async () => {
    const { t } = await start({ windowMs: 0, minEvents: 1000, maxBytes: 1 << 30 });
    const from = t.head();
    for (let i = 0; i < 1001; i++) t.publishSync(sampleEvent(i));
    assert.deepEqual(await t.replay(from), { kind: 'gap' });
    assert.equal(t.window().events, 1000);
    await t.stop();
  });
});
