/**
 * Shaping in Redis mode: two hubs on two Redis transports that share one stream key (two
 * instances), a real redis-server. A `format=entities` stream on one instance gets its diffs with
 * Redis Stream ids; a client that resumes on the other instance with the last id it had gets
 * exactly the diffs it missed, byte for byte what a continuous stream received.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { SseSocketStream } from '../../src/http/sse-stream.ts';
import { Hub } from '../../src/hub/hub.ts';
import { createFilter } from '../../src/hub/filter.ts';
import { RedisTransport } from '../../src/transport/redis.ts';
import { TestRedis } from '../redis-server.ts';
import { FakeInterest, FakeStates, FakeUpstream } from './fakes.ts';
import { ADMIN, Client } from './harness.ts';
import { until } from '../until.ts';
import { World } from './shape-world.ts';
import { StreamEncoder } from '../../src/http/stream-encoder.ts';
import { keepLast } from '../transport/policies.ts';

const redis = new TestRedis();
const cleanups: (() => Promise<void> | void)[] = [];
before(() => redis.start());
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await redis.dispose();
});

async function instance(key: string, states: FakeStates) {
  const transport = new RedisTransport({ url: redis.url, key, history: keepLast(1000), blockMs: 200 });
  const hub = new Hub({ transport, interest: new FakeInterest(true), upstream: new FakeUpstream(), states, limits: { closeGraceMs: 200 } });
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  await transport.start();
  await hub.start();
  cleanups.push(async () => {
    await hub.stop();
    await transport.stop();
    await new Promise((r) => server.close(r));
  });
  const port = (server.address() as net.AddressInfo).port;
  const connect = async (lastEventId?: string) => {
    const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
    const client = new Client(net.connect(port, '127.0.0.1'));
    const socket = await accepted;
    const meta = { clientId: 'a', ipAddress: '127.0.0.1', userAgent: 't', httpVersion: '1.1', listener: 'lan' as const };
    const opened = hub.open({
      sink: new SseSocketStream(socket, new StreamEncoder(), false),
      user: ADMIN,
      filter: createFilter(['state_changed']),
      meta,
      lastEventId,
      shape: { format: 'entities', throttleMs: 0 },
    });
    await opened.ready;
    cleanups.push(() => void client.socket.destroy());
    return client;
  };
  return { transport, hub, connect };
}

test('format=entities across two instances: Redis ids, and a resume on the other instance replays the same diffs', async () => {
  const world = new World();
  world.set('light.a', 'off', { brightness: 0 });
  world.set('sensor.t', '20', { unit_of_measurement: '°C' });
  const states = new FakeStates(world.list());
  const one = await instance('shaping:entities', states);
  const two = await instance('shaping:entities', states);
  const steady = await one.connect();
  const leaving = await one.connect();
  await until(() => steady.frames.some((f) => 'a' in f.json) && leaving.frames.some((f) => 'a' in f.json), 'snapshots');
  const first = await one.transport.publish(world.set('light.a', 'on', { brightness: 10 }));
  assert.match(first.id, /^\d+-\d+$/);
  await until(() => leaving.frames.at(-1)?.id === first.id, 'the first diff');
  leaving.socket.destroy();
  let last = first;
  for (let i = 0; i < 4; i++) last = await one.transport.publish(world.set(i % 2 ? 'light.a' : 'sensor.t', String(i), { step: i }));
  await until(() => steady.frames.at(-1)?.id === last.id, 'the steady stream has them');
  const resumed = await two.connect(first.id);
  await until(() => resumed.frames.at(-1)?.id === last.id, 'the resumed stream has them');
  const after = (client: Client) => client.frames.filter((f) => f.id !== undefined && 'c' in f.json && f.id !== first.id).map((f) => `${f.id!}\n${f.data}`);
  assert.deepEqual(after(resumed), after(steady));
  assert.equal(after(resumed).length, 4);
  assert.equal(resumed.frames.filter((f) => 'a' in f.json).length, 0, 'no snapshot on an exact resume');
});
