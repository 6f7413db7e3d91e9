/**
 * An instance started while Redis is not there yet: it starts anyway (one log line), and when Redis
 * appears it joins, takes the free lock and starts its upstream. In process, with a real redis-server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RedisCluster } from '../../src/cluster/cluster.ts';
import { captureLogger } from '../log-capture.ts';
import { TestRedis, freePort } from '../redis-server.ts';
import { until } from '../until.ts';
import { keepLast } from '../transport/policies.ts';

test('Redis absent at start: the instance starts, then leads once Redis is there', async () => {
  const redis = new TestRedis();
  redis.port = await freePort();
  const log = captureLogger('debug');
  const cluster = new RedisCluster({
    url: redis.url,
    instanceId: 'late',
    history: keepLast(10),
    maxClients: 10,
    logger: log.logger,
    lockTtlMs: 600,
    heartbeatMs: 200,
    expiryMs: 800,
    blockMs: 200,
  });
  let upstreamStarts = 0;
  cluster.attach({
    bridge: { state: 'disconnected', retain: () => () => {}, rebase: () => {}, resyncAgainst: () => 0, onChange: () => () => {} },
    upstream: { start: async () => void upstreamStarts++, stop: async () => {} },
    hub: { list: () => [], close: () => false },
    follow: () => {},
  });
  try {
    await cluster.transport.start();
    await cluster.start();
    assert.equal(cluster.leader, false);
    assert.equal(cluster.status.state, 'disconnected');
    await redis.start();
    await until(() => cluster.leader && upstreamStarts === 1, 'the leader to start the upstream once', 5000);
    const messages = log
      .text()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.deepEqual(
      messages.filter((m) => /Redis is|leader/.test(m)),
      ['Redis is unreachable; streams stay open and resume when it is back', 'Redis is reachable again', 'this instance is now the leader'],
    );
  } finally {
    await cluster.stop();
    await cluster.transport.stop();
    await redis.dispose();
  }
});
