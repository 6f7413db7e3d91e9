/**
 * Batching streams (`batch=<ms>`, src/hub/batch.ts) on real loopback sockets, the hub's
 * time and timers on a fake clock: one `batch` frame per window holding exactly what an unbatched
 * stream gets, ids, pings, resumes, the limit and shutdown.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_TYPES, createFilter } from '../../src/hub/filter.ts';
import { FakeClock } from '../fake-clock.ts';
import { ADMIN, type Client, ev, setup } from './harness.ts';
import { until } from '../until.ts';

interface Batch {
  type: 'batch';
  count: number;
  messages: { type: string; data: { entity_id: string; n: number } }[];
  timestamp: string;
}

const batches = (client: Client) => client.ofType('batch').map((f) => ({ id: f.id, ...(f.json as unknown as Batch) }));
const start = () => new FakeClock(Date.UTC(2024, 1, 10, 12));

describe('batching streams (batch=<ms>)', () => {
  test('events of one window arrive as one batch frame: the unbatched payloads in order, the last id', async () => {
    const clock = start();
    const { hub, transport, connect } = await setup({}, clock);
    const plain = await connect(ADMIN, createFilter(ALL_TYPES));
    const batched = await connect(ADMIN, createFilter(ALL_TYPES), { batchMs: 100 });
    const published = [1, 2, 3].map((n) => transport.publishSync(ev(`light.l${n}`, n)));
    await until(() => plain.client.events.length === 3, 'the unbatched stream has them');
    assert.equal(hub.get(batched.opened.id)!.eventsSent, 0, 'queued, not written, before the window ends');

    clock.advance(100);
    await until(() => batches(batched.client).length === 1, 'one batch');
    const [batch] = batches(batched.client);
    assert.equal(batch!.count, 3);
    assert.equal(batch!.id, published[2]!.id, 'the frame carries the last event id');
    assert.equal(batch!.timestamp, new Date(clock.now()).toISOString());
    assert.deepEqual(
      batch!.messages,
      plain.client.events.map((f) => f.json),
      'each message is what an unbatched stream received',
    );
    assert.equal(batched.client.events.length, 0, 'no event outside the batch');
    assert.equal(hub.get(batched.opened.id)!.eventsSent, 3);
  });

  test('a window starts with its first event; streams with different filters get their own events; windows repeat', async () => {
    const clock = start();
    const { transport, connect } = await setup({}, clock);
    const lights = await connect(ADMIN, createFilter(['state_changed'], [], ['light']), { batchMs: 50 });
    const sensors = await connect(ADMIN, createFilter(['state_changed'], [], ['sensor']), { batchMs: 50 });
    const slower = await connect(ADMIN, createFilter(['state_changed'], [], ['light']), { batchMs: 200 });
    transport.publishSync(ev('light.a', 1));
    clock.advance(30);
    transport.publishSync(ev('sensor.b', 2));
    transport.publishSync(ev('light.c', 3));
    clock.advance(20); // 50 ms after the first event
    await until(() => batches(lights.client).length === 1 && batches(sensors.client).length === 1, 'the 50 ms windows');
    assert.deepEqual(batches(lights.client)[0]!.messages.map((m) => m.data.n), [1, 3]);
    assert.deepEqual(batches(sensors.client)[0]!.messages.map((m) => m.data.n), [2]);

    transport.publishSync(ev('light.d', 4));
    clock.advance(50);
    await until(() => batches(lights.client).length === 2, 'the next window');
    assert.deepEqual(batches(lights.client)[1]!.messages.map((m) => m.data.n), [4]);
    assert.equal(batches(slower.client).length, 0, 'the 200 ms window is still open');
    clock.advance(100);
    await until(() => batches(slower.client).length === 1, 'the 200 ms window');
    assert.deepEqual(batches(slower.client)[0]!.messages.map((m) => m.data.n), [1, 3, 4]);
  });

  test('a ping sends the queued events first and carries their last id', async () => {
    const clock = start();
    const { transport, connect } = await setup({ pingIntervalMs: 1000 }, clock);
    const { client } = await connect(ADMIN, createFilter(ALL_TYPES), { batchMs: 5000 });
    clock.advance(999);
    const last = transport.publishSync(ev('light.a', 1));
    clock.advance(1);
    await until(() => client.ofType('ping').length === 1, 'the ping');
    const kinds = client.frames.map((f) => f.json.type);
    assert.deepEqual(kinds, ['connection', 'batch', 'ping']);
    assert.equal(client.ofType('ping')[0]!.id, last.id);
    assert.equal(batches(client)[0]!.id, last.id);
  });

  test('a queue that reaches the batch size leaves at once', async () => {
    const clock = start();
    const { transport, connect } = await setup({ slowConsumerLimitBytes: 8 * 1024 }, clock); // batch size: half, 4 KiB
    const { client } = await connect(ADMIN, createFilter(ALL_TYPES), { batchMs: 10_000 });
    const big = { ...ev('light.a'), data: { entity_id: 'light.a', n: 0, pad: 'x'.repeat(1500) } };
    for (let i = 0; i < 3; i++) transport.publishSync(big);
    await until(() => batches(client).length === 1, 'a full batch, no timer');
    assert.equal(batches(client)[0]!.count, 3);
  });

  test('a resume gets its missed events as batches, then live batches, each event once', async () => {
    const clock = start();
    const { transport, connect } = await setup({}, clock, true); // every type recorded: the history is whole
    const seen = transport.publishSync(ev('light.a', 0));
    for (let n = 1; n <= 5; n++) transport.publishSync(ev('light.a', n));
    const { client, opened } = await connect(ADMIN, createFilter(ALL_TYPES), { batchMs: 100, lastEventId: seen.id });
    await opened.ready;
    await until(() => batches(client).length === 1, 'the missed events');
    assert.deepEqual(batches(client)[0]!.messages.map((m) => m.data.n), [1, 2, 3, 4, 5]);
    const six = transport.publishSync(ev('light.a', 6));
    clock.advance(100);
    await until(() => batches(client).length === 2, 'the live batch');
    assert.deepEqual(batches(client)[1]!.messages.map((m) => m.data.n), [6]);
    assert.equal(batches(client)[1]!.id, six.id);
  });

  test('queued bytes count against the slow-consumer limit', async () => {
    const clock = start();
    const { hub, transport, connect, observer } = await setup({ slowConsumerLimitBytes: 2048 }, clock);
    const { client, opened } = await connect(ADMIN, createFilter(ALL_TYPES), { batchMs: 60_000 });
    client.socket.pause(); // a client that reads nothing
    const big = { ...ev('light.a'), data: { entity_id: 'light.a', n: 0, pad: 'x'.repeat(900) } };
    for (let i = 0; i < 3; i++) transport.publishSync(big);
    await until(() => hub.get(opened.id) === undefined || hub.get(opened.id)!.state === 'closing', 'closed as a slow consumer');
    assert.ok(observer.reasons().includes('slow_consumer'));
  });

  test('stop sends what was queued before server_shutdown', async () => {
    const clock = start();
    const { hub, transport, connect } = await setup({}, clock);
    const { client } = await connect(ADMIN, createFilter(ALL_TYPES), { batchMs: 60_000 });
    const last = transport.publishSync(ev('light.a', 1));
    await hub.stop();
    await until(() => client.ended, 'the end of the stream');
    assert.deepEqual(
      client.frames.map((f) => f.json.type),
      ['connection', 'batch', 'error'],
    );
    assert.equal(client.ofType('error')[0]!.id, last.id);
  });
});
