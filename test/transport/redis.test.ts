import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FencedError, RedisTransport } from '../../src/transport/redis.ts';
import { redisClient } from '../../src/transport/redis-client.ts';
import { TestRedis } from '../redis-server.ts';
import { sampleEvent, transportSuite, waitFor } from './suite.ts';

const redis = new TestRedis();
let n = 0;
before(() => redis.start());
after(() => redis.dispose());

// Each case gets its own stream key, so cases never see each other's entries.
transportSuite('redis', ({ capacity }) => new RedisTransport({ url: redis.url, key: `contract:${++n}`, capacity, blockMs: 200 }));

describe('RedisTransport specifics', () => {
  test('ids are Redis Stream ids and another instance replays and receives the same ids', async () => {
    const key = `shared:${++n}`;
    const a = new RedisTransport({ url: redis.url, key, capacity: 10, blockMs: 200 });
    const b = new RedisTransport({ url: redis.url, key, capacity: 10, blockMs: 200 });
    await a.start();
    await b.start();
    const seen: string[] = [];
    b.subscribe((e) => seen.push(e.id));
    const start = b.head();
    const ids = [(await a.publish(sampleEvent(1))).id, (await a.publish(sampleEvent(2))).id];
    for (const id of ids) assert.match(id, /^\d+-\d+$/);
    await waitFor(() => seen.length === 2);
    assert.deepEqual(seen, ids);
    const replay = await b.replay(start);
    assert.deepEqual(replay.kind === 'events' ? replay.events.map((e) => e.id) : replay, ids);
    await a.stop();
    await b.stop();
  });

  test('a fenced publish appends only while the lock holds its token', async () => {
    const key = `fenced:${++n}`;
    const lockKey = `${key}:lock`;
    let token: string | undefined = 'A:1';
    const t = new RedisTransport({ url: redis.url, key, fence: { lockKey, token: () => token }, blockMs: 200 });
    const admin = redisClient(redis.url);
    admin.on('error', () => {});
    await admin.connect();
    await t.start();
    await assert.rejects(t.publish(sampleEvent(1)), FencedError, 'lock not held at all');
    await admin.set(lockKey, 'A:1');
    await t.publish(sampleEvent(2));
    // Another instance took the lock while this one was paused: its append is refused in Redis.
    await admin.set(lockKey, 'B:2');
    await assert.rejects(t.publish(sampleEvent(3)), FencedError);
    token = undefined;
    await assert.rejects(t.publish(sampleEvent(4)), FencedError);
    assert.equal(await admin.xlen(key), 1);
    await t.stop();
    admin.disconnect();
  });

  test('status entries reach status listeners in order and never replay as events', async () => {
    const t = new RedisTransport({ url: redis.url, key: `status:${++n}`, blockMs: 200 });
    await t.start();
    const seen: string[] = [];
    t.subscribe((e) => seen.push(`event:${(e.event.data as { state: string }).state}`));
    t.onStatus((s) => seen.push(`status:${s}`));
    const start = t.head();
    await t.publish(sampleEvent(1));
    await t.publishStatus('disconnected');
    await t.publish(sampleEvent(2));
    await waitFor(() => seen.length === 3);
    assert.deepEqual(seen, ['event:1', 'status:disconnected', 'event:2']);
    const replay = await t.replay(start);
    assert.equal(replay.kind === 'events' ? replay.events.length : -1, 2);
    await t.stop();
  });

  test('an id newer than the stream, or from a lost stream, is a gap', async () => {
    const t = new RedisTransport({ url: redis.url, key: `future:${++n}`, blockMs: 200 });
    await t.start();
    assert.deepEqual(await t.replay('5-0'), { kind: 'gap' }, 'no stream yet');
    const id = (await t.publish(sampleEvent(1))).id;
    const [ms] = id.split('-');
    assert.deepEqual(await t.replay(`${Number(ms) + 60_000}-0`), { kind: 'gap' });
    await t.stop();
  });
});
