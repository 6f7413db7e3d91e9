import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTransport } from '../../src/transport/memory.ts';
import { sampleEvent, transportSuite } from './suite.ts';

transportSuite('memory', ({ capacity }) => new MemoryTransport({ capacity }));

describe('MemoryTransport specifics', () => {
  test('ids are consecutive integers from firstId; the head starts just before it', async () => {
    const t = new MemoryTransport({ capacity: 4, firstId: 100 });
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

  test('capacity 0 keeps nothing: only the head replays', async () => {
    const t = new MemoryTransport({ capacity: 0, firstId: 1 });
    await t.start();
    await t.publish(sampleEvent(1));
    const head = t.head();
    await t.publish(sampleEvent(2));
    assert.deepEqual(await t.replay(head), { kind: 'gap' });
    assert.deepEqual(await t.replay(t.head()), { kind: 'events', events: [] });
    await t.stop();
  });

  test('replay returns the very objects delivered, so the hub can reuse their encoding', async () => {
    const t = new MemoryTransport({ capacity: 4, firstId: 1 });
    await t.start();
    const start = t.head();
    const stamped = await t.publish(sampleEvent(1));
    const result = await t.replay(start);
    assert.equal(result.kind === 'events' ? result.events[0] : undefined, stamped);
    await t.stop();
  });
});
