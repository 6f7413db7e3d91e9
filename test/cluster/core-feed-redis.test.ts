/**
 * The core feed on a real Redis (src/cluster/core-feed.ts, docs/redis.md "Order across a Redis
 * restart"): with the hub's ioredis settings an append in flight when Redis dies is retried once
 * and fails only after later appends were refused at once. The held events must still reach the
 * stream in core's order.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { HubEvent } from '../../src/base/types.ts';
import { CoreFeed } from '../../src/cluster/core-feed.ts';
import { redisClient } from '../../src/transport/redis-client.ts';
import { RedisTransport } from '../../src/transport/redis.ts';
import { TestRedis } from '../redis-server.ts';
import { until } from '../until.ts';

const redis = new TestRedis();
before(() => redis.start());
after(() => redis.dispose());

function event(n: number): HubEvent {
  const timestamp = new Date(1_700_000_000_000 + n).toISOString();
  return { type: 'custom_a', data: { n }, timestamp, entityIds: [], domains: [], firedAt: 0, receivedAt: 0, coreId: `ctx${n}|custom_a|${timestamp}` };
}

const n = (e: HubEvent) => (e.data as { n: number }).n;

test('an append in flight when Redis dies fails after later ones were refused; the stream still gets them in core order', async (t) => {
  // Told (synchronously, from ioredis's close handler) each time one of the transport's two connections closes.
  let firstCloses = 0;
  const transport = new RedisTransport({
    url: redis.url,
    key: 'order',
    blockMs: 50,
    redis: {
      retryStrategy: (attempt) => {
        if (attempt === 1) firstCloses++;
        return 100;
      },
    },
  });
  await transport.start();
  const reader = redisClient(redis.url);
  t.after(async () => {
    // Also when an assertion failed: open connections would keep the test process alive.
    reader.disconnect();
    await transport.stop();
  });
  const failed: number[] = [];
  const feed = new CoreFeed({
    append: (e) =>
      transport.publish(e).catch((err: unknown) => {
        failed.push(n(e));
        throw err;
      }),
  });
  feed.takeOver();
  feed.goLive();
  feed.publish(event(1));
  await until(() => feed.inFlight === 0, 'the first append');

  process.kill(redis.pid!, 'SIGSTOP'); // Redis takes the next append but never answers it
  feed.publish(event(2));
  await new Promise((resolve) => setImmediate(resolve)); // written to the socket
  await redis.stop(); // killed while stopped: the append is in flight on a dead connection
  await until(() => firstCloses === 2, 'both connections saw Redis go');
  feed.publish(event(3)); // refused at once: no offline queue
  feed.publish(event(4));
  await until(() => feed.inFlight === 0, 'every append settled');
  assert.deepEqual(failed, [3, 4, 2], 'the premise: the append in flight failed last (ioredis retried it once)');

  await redis.start(); // empty, as after a crash
  await until(
    () => {
      if (feed.inFlight === 0 && feed.held > 0) feed.flush(); // the lock renewal's flush, until Redis takes them
      return feed.inFlight === 0 && feed.held === 0;
    },
    'the held events appended',
    10_000,
  );
  await reader.connect();
  const entries = (await reader.xrange('order', '-', '+')) as [string, string[]][];
  const appended = entries.map(([, fields]) => n(JSON.parse(fields[fields.indexOf('e') + 1]!) as HubEvent));
  assert.deepEqual(appended, [2, 3, 4], "core's order, each once");
});
