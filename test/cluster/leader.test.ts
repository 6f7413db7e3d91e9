import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { LeaderLock } from '../../src/cluster/leader.ts';
import { FencedError, RedisTransport } from '../../src/transport/redis.ts';
import { redisClient } from '../../src/transport/redis-client.ts';
import { TestRedis } from '../redis-server.ts';
import { sampleEvent } from '../transport/suite.ts';
import { until } from '../until.ts';

const redis = new TestRedis();
const clients: Redis[] = [];
let n = 0;

before(() => redis.start());
after(async () => {
  for (const c of clients) c.disconnect();
  await redis.dispose();
});

async function client(): Promise<Redis> {
  const c = redisClient(redis.url);
  c.on('error', () => {});
  clients.push(c);
  await c.connect();
  return c;
}

async function lock(key: string, instanceId: string, ttlMs: number, changes: boolean[]): Promise<LeaderLock> {
  return new LeaderLock({ client: await client(), key, instanceId, ttlMs, onChange: (leader) => changes.push(leader) });
}

test('one of two instances leads; when it stops the other takes over within the TTL', async () => {
  const key = `leader:${++n}`;
  const [a, b] = [[] as boolean[], [] as boolean[]];
  const lockA = await lock(key, 'A', 600, a);
  const lockB = await lock(key, 'B', 600, b);
  await lockA.start();
  await lockB.start();
  assert.equal(lockA.leader, true);
  assert.equal(lockB.leader, false);
  assert.match(lockA.token()!, /^A:\d+$/);
  const stoppedAt = Date.now();
  await lockA.stop();
  await until(() => lockB.leader, 'B to take the lock', 2000);
  assert.ok(Date.now() - stoppedAt <= 600, 'the released lock is taken at the next try (every TTL/3)');
  assert.deepEqual(a, [true, false]);
  assert.deepEqual(b, [true]);
  await lockB.stop();
});

test('a leader whose lock was taken while it was paused steps down, and its appends are refused', async () => {
  const key = `leader:${++n}`;
  const changes: boolean[] = [];
  const lockA = await lock(key, 'A', 900, changes);
  await lockA.start();
  const token = lockA.token()!;
  const transport = new RedisTransport({ url: redis.url, key: `${key}:events`, fence: { lockKey: key, token: () => token }, blockMs: 200 });
  await transport.start();
  await transport.publish(sampleEvent(1));
  // What happens while A is paused past its TTL: the key expires and B takes it with a later term.
  const admin = await client();
  await admin.set(key, `B:${await admin.incr(`${key}:term`)}`);
  await assert.rejects(transport.publish(sampleEvent(2)), FencedError, 'the paused leader cannot append');
  await until(() => !lockA.leader, 'A to give the lock up', 2000);
  assert.deepEqual(changes, [true, false]);
  assert.equal(await admin.xlen(`${key}:events`), 1);
  assert.match((await admin.get(key))!, /^B:/, 'stepping down does not touch the new holder');
  await transport.stop();
  await lockA.stop();
});

test('terms only grow: every leadership has a fresh token', async () => {
  const key = `leader:${++n}`;
  const tokens: string[] = [];
  for (let i = 0; i < 3; i++) {
    const l = await lock(key, 'A', 600, []);
    await l.start();
    tokens.push(l.token()!);
    await l.stop();
  }
  const terms = tokens.map((t) => Number(t.split(':')[1]));
  assert.deepEqual(terms, [...terms].sort((x, y) => x - y));
  assert.equal(new Set(tokens).size, 3);
});
