import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FencedError, RedisTransport } from '../../src/transport/redis.ts';
import { redisClient } from '../../src/transport/redis-client.ts';
import { TestRedis } from '../redis-server.ts';
import { sampleEvent, transportSuite } from './suite.ts';
import { until } from '../until.ts';
import { keepLast } from './policies.ts';

const redis = new TestRedis();
let n = 0;
before(() => redis.start());
after(() => redis.dispose());

// Each case gets its own stream key, so cases never see each other's entries.
transportSuite('redis', ({ history }) => new RedisTransport({ url: redis.url, key: `contract:${++n}`, history, blockMs: 200, deliveryGraceMs: 0 }));

describe('RedisTransport specifics', () => {
  test('ids are Redis Stream ids and another instance replays and receives the same ids', async () => {
    const key = `shared:${++n}`;
    const a = new RedisTransport({ url: redis.url, key, history: keepLast(10), blockMs: 200 });
    const b = new RedisTransport({ url: redis.url, key, history: keepLast(10), blockMs: 200 });
    await a.start();
    await b.start();
    const seen: string[] = [];
    b.subscribe((e) => seen.push(e.id));
    const start = b.head();
    const ids = [(await a.publish(sampleEvent(1))).id, (await a.publish(sampleEvent(2))).id];
    for (const id of ids) assert.match(id, /^\d+-\d+$/);
    await until(() => seen.length === 2, '2 events seen');
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
    await until(() => seen.length === 3, '3 events seen');
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

describe('RedisTransport history by time', () => {
  // Redis dates entries with its own clock, which a test cannot move: the clock is injected
  // through the entries instead, written with ids from the past as an earlier leader would have.
  const MINUTE = 60_000;
  const opened: { stop(): unknown; disconnect?: () => void }[] = [];
  afterEach(async () => {
    for (const o of opened.splice(0)) await (o.disconnect ? o.disconnect() : o.stop());
  });
  const admin = () => {
    const client = redisClient(redis.url);
    client.on('error', () => {});
    opened.push({ stop: () => {}, disconnect: () => client.disconnect() });
    return client;
  };

  /** Writes events dated `agoMs` before Redis's clock, as the transport writes them (entry and cost). */
  async function backdate(client: ReturnType<typeof redisClient>, key: string, agoMs: number[]): Promise<string[]> {
    const [seconds, micros] = (await client.time()) as unknown as [string, string];
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const ids: string[] = [];
    let bytes = 0;
    for (const [i, ago] of agoMs.entries()) {
      const value = JSON.stringify(sampleEvent(i));
      ids.push((await client.xadd(key, `${now - ago}-${i}`, 'e', value))!);
      bytes += 1 + value.length + 40;
    }
    await client.hset(`${key}:replay`, 'bytes', bytes, 'dropped', '');
    return ids;
  }

  test('entries older than the window are trimmed on the next append; the window reaches back to the newest trimmed', async () => {
    const key = `window:${++n}`;
    const client = admin();
    await client.connect();
    const old = await backdate(client, key, [30 * MINUTE, 20 * MINUTE, 5 * MINUTE]);
    const t = new RedisTransport({ url: redis.url, key, history: { windowMs: 10 * MINUTE, minEvents: 0, maxBytes: 1 << 30 }, blockMs: 200 });
    opened.push(t);
    await t.start();
    const fresh = (await t.publish(sampleEvent(9))).id;
    assert.equal(await client.xlen(key), 2, 'the two entries older than ten minutes are gone');
    assert.deepEqual(await t.replay(old[0]!), { kind: 'gap' });
    const fromSecond = await t.replay(old[1]!);
    assert.deepEqual(fromSecond.kind === 'events' ? fromSecond.events.map((e) => e.id) : fromSecond, [old[2], fresh]);
    const window = t.window();
    assert.equal(window.events, 2);
    assert.ok(window.seconds >= 20 * 60 && window.seconds <= 20 * 60 + 5, `${window.seconds} s: back to the entry dated 20 minutes ago`);
    await t.stop();
    client.disconnect();
  });

  test('a replay trims by age first, so an id older than the window is a gap without another append', async () => {
    const key = `window:${++n}`;
    const client = admin();
    await client.connect();
    const old = await backdate(client, key, [11 * MINUTE, 10 * MINUTE + 1000]);
    const t = new RedisTransport({ url: redis.url, key, history: { windowMs: 10 * MINUTE, minEvents: 0, maxBytes: 1 << 30 }, blockMs: 200 });
    opened.push(t);
    await t.start();
    assert.deepEqual(await t.replay(old[0]!), { kind: 'gap' });
    assert.deepEqual(await t.replay(old[1]!), { kind: 'events', events: [] });
    assert.equal(await client.xlen(key), 0);
    await t.stop();
    client.disconnect();
  });

  test('replay_buffer_size keeps the newest entries however old', async () => {
    const key = `window:${++n}`;
    const client = admin();
    await client.connect();
    const old = await backdate(client, key, [50 * MINUTE, 40 * MINUTE, 30 * MINUTE, 20 * MINUTE]);
    const t = new RedisTransport({ url: redis.url, key, history: { windowMs: MINUTE, minEvents: 3, maxBytes: 1 << 30 }, blockMs: 200 });
    opened.push(t);
    await t.start();
    const fresh = (await t.publish(sampleEvent(9))).id;
    assert.equal(await client.xlen(key), 3);
    assert.deepEqual(await t.replay(old[0]!), { kind: 'gap' });
    const kept = await t.replay(old[1]!);
    assert.deepEqual(kept.kind === 'events' ? kept.events.map((e) => e.id) : kept, [old[2], old[3], fresh]);
    await t.stop();
    client.disconnect();
  });

  test('6000 events appended in under a minute all replay with the default history', async () => {
    const t = new RedisTransport({ url: redis.url, key: `burst:${++n}`, blockMs: 200 });
    opened.push(t);
    await t.start();
    const from = (await t.publish(sampleEvent(0))).id;
    const ids = await Promise.all(Array.from({ length: 6000 }, (_, i) => t.publish(sampleEvent(i + 1)).then((e) => e.id)));
    // A replay holds what this instance's reader has delivered (later entries reach a resuming
    // subscriber live); here every append is read first.
    await t.caughtUp();
    const replay = await t.replay(from);
    assert.deepEqual(replay.kind === 'events' ? replay.events.map((e) => e.id) : replay, ids);
    assert.equal(t.window().events, 6001);
    await t.stop();
  });

  test('a stream written before 0.2.0 (no history hash) replays from its first entry on, older ids are gaps', async () => {
    const key = `legacy:${++n}`;
    const client = admin();
    await client.connect();
    const legacy = [await client.xadd(key, '*', 'e', JSON.stringify(sampleEvent(1))), await client.xadd(key, '*', 'e', JSON.stringify(sampleEvent(2)))];
    const t = new RedisTransport({ url: redis.url, key, blockMs: 200 });
    opened.push(t);
    await t.start();
    assert.deepEqual(await t.replay('1-0'), { kind: 'gap' }, 'what came before the first entry may have been trimmed');
    const fromFirst = await t.replay(legacy[0]!);
    assert.deepEqual(fromFirst.kind === 'events' ? fromFirst.events.map((e) => e.id) : fromFirst, [legacy[1]]);
    await t.stop();
    client.disconnect();
  });
});
