/**
 * Redis mode, the registry written through and the cluster-wide `max_clients`: three real product
 * processes (A, B, C) on one real redis-server, with a heartbeat far longer than the tests take
 * (so only the writes on open and close can explain what they see) and `max_clients: 30`.
 *
 * No waiting stands in for "the write arrived": a stream's `connection` frame is written after its
 * registry entry was sent to Redis, and an instance's own list (`?scope=local`) dropping a stream
 * means its removal was sent; the next request on another instance must see either.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HaSimulator } from '../../src/simulator/index.ts';
import { RawStream, RecordingEventSource } from '../http/subscribe-harness.ts';
import { until } from '../until.ts';
import { findLine, killLeftovers, waitFor } from '../process-harness.ts';
import { type ClusterInstance, launchInstance } from './launch.ts';
import { TestRedis } from '../redis-server.ts';

/** The heartbeat is 60 s: nothing these tests see can come from it. */
const TIMINGS = { lockTtlMs: 1500, heartbeatMs: 60_000, expiryMs: 120_000, blockMs: 300 };
const MAX_CLIENTS = 30;
const dir = mkdtempSync(join(tmpdir(), 'sse-hub-registry-'));
const redis = new TestRedis();
const core = new HaSimulator({ seed: 12 });

type Name = 'A' | 'B' | 'C';
type Instance = ClusterInstance<Name>;
const instances = {} as Record<Name, Instance>;
const open: { close(): void }[] = [];

async function launch(name: Name): Promise<Instance> {
  const instance = await launchInstance({ name, dir, core, redisUrl: redis.url, timings: TIMINGS, env: { MAX_CLIENTS: String(MAX_CLIENTS), STREAM_LIMIT: '0', RATE_LIMIT_PER_MINUTE: '100000' } });
  return (instances[name] = instance);
}

const admin = { Authorization: `Bearer ${core.adminToken}` };

interface Listed {
  id: string;
  instance_id?: string;
  user_id: string;
}

async function list(instance: Instance, scope?: 'local'): Promise<{ connections: Listed[]; total: number; scope?: string }> {
  const res = await fetch(`${instance.base}/api/sse/connections${scope ? `?scope=${scope}` : ''}`, { headers: admin });
  assert.equal(res.status, 200);
  return ((await res.json()) as { data: { connections: Listed[]; total: number; scope?: string } }).data;
}

function stream(instance: Instance, token = core.userToken): RecordingEventSource {
  const es = new RecordingEventSource(`${instance.base}/subscribe_events?token=${token}&entity_id=sensor.registry_probe`);
  open.push(es);
  return es;
}

async function connectionId(es: RecordingEventSource): Promise<string> {
  await es.waitFor((s) => s.ofType('connection').length === 1, 'connection frame');
  return es.ofType('connection')[0]!.json.id as string;
}

before(async () => {
  await redis.start();
  await core.start();
  await launch('A');
  await waitFor('A leads', instances.A.run, () => findLine(instances.A.run.stdout(), 'this instance is now the leader'), 5000);
  await Promise.all([launch('B'), launch('C')]);
});

after(async () => {
  for (const s of open) s.close();
  killLeftovers();
  await core.stop();
  await redis.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('a stream opened on C is listed on A (with C as its holder) by the first request after its connection frame', async () => {
  const es = stream(instances.C);
  const id = await connectionId(es);
  const onA = await list(instances.A);
  assert.equal(onA.scope, 'cluster');
  const entry = onA.connections.find((c) => c.id === id);
  assert.ok(entry, 'listed on A at once');
  assert.equal(entry.instance_id, instances.C.instanceId);
  assert.equal(entry.user_id, core.user.id);
  const one = await fetch(`${instances.A.base}/api/sse/connections/${id}`, { headers: admin });
  assert.equal(one.status, 200, 'one stream of another instance is found too');
  // `?scope=local` is one instance's: A holds none of these.
  const local = await list(instances.A, 'local');
  assert.equal(local.scope, 'local');
  assert.equal(local.connections.some((c) => c.id === id), false);
  es.close();
});

test('DELETE on A closes a stream C opened a moment before; once C dropped a closed stream, A neither lists nor closes it', async () => {
  const es = stream(instances.C);
  const id = await connectionId(es);
  const res = await fetch(`${instances.A.base}/api/sse/connections/${id}`, { method: 'DELETE', headers: admin });
  assert.equal(res.status, 200);
  await es.waitFor((s) => s.messages.some((m) => m.json.type === 'error' && m.json.error === 'connection_closed'), 'closed on C');
  es.close();

  // A client-side close: C's own list dropping the stream is the marker that its HDEL was sent.
  const other = stream(instances.C);
  const otherId = await connectionId(other);
  assert.ok((await list(instances.B)).connections.some((c) => c.id === otherId));
  other.close();
  let localC = await list(instances.C, 'local');
  const deadline = Date.now() + 5000;
  while (localC.connections.some((c) => c.id === otherId) && Date.now() < deadline) localC = await list(instances.C, 'local');
  assert.equal(localC.connections.some((c) => c.id === otherId), false, 'C noticed the close');
  assert.equal((await list(instances.A)).connections.some((c) => c.id === otherId), false, 'gone from A’s list at once');
  const gone = await fetch(`${instances.A.base}/api/sse/connections/${otherId}`, { method: 'DELETE', headers: admin });
  assert.equal(gone.status, 404);
  assert.equal(((await gone.json()) as { error_code: string }).error_code, 'connection_not_found');
});

test('max_clients holds for the cluster: 45 streams at once over three instances, exactly 30 open, 15 get 503; a refused one gets in after a close', async () => {
  // Nothing else is open now (the earlier tests closed theirs): wait until the cluster list says so.
  let total = (await list(instances.A)).total;
  const deadline = Date.now() + 5000;
  while (total !== 0 && Date.now() < deadline) total = (await list(instances.A)).total;
  assert.equal(total, 0);

  const names: Name[] = ['A', 'B', 'C'];
  const raws = Array.from({ length: 45 }, (_, i) => {
    const instance = instances[names[i % 3]!];
    return new RawStream(`${instance.base}/subscribe_events?token=${core.userToken}&entity_id=sensor.registry_probe`);
  });
  open.push(...raws);
  await Promise.all(raws.map((r) => r.response));
  const accepted = raws.filter((r) => r.status === 200);
  const refused = raws.filter((r) => r.status === 503);
  assert.equal(accepted.length, MAX_CLIENTS, `statuses: ${raws.map((r) => r.status).join(',')}`);
  assert.equal(refused.length, 45 - MAX_CLIENTS);
  for (const r of refused) {
    await until(() => r.ended, 'refusal body');
    assert.match(r.body, /too_many_clients/);
  }
  await Promise.all(accepted.map((r) => r.waitFor((s) => s.frames.some((f) => f.json.type === 'connection'), 'connection frame')));
  assert.equal((await list(instances.B)).total, MAX_CLIENTS, 'the list agrees');

  // Still full: one more on any instance is refused.
  const extra = new RawStream(`${instances.B.base}/subscribe_events?token=${core.userToken}&entity_id=sensor.registry_probe`);
  open.push(extra);
  await extra.response;
  assert.equal(extra.status, 503);

  // One accepted stream closes; once its instance dropped it, a refused client gets in.
  const leaving = accepted[0]!;
  const leavingId = leaving.frames.find((f) => f.json.type === 'connection')!.json.id as string;
  const holder = names[raws.indexOf(leaving) % 3]!;
  leaving.close();
  let local = await list(instances[holder], 'local');
  const closeDeadline = Date.now() + 5000;
  while (local.connections.some((c) => c.id === leavingId) && Date.now() < closeDeadline) local = await list(instances[holder], 'local');
  const retry = new RawStream(`${instances.C.base}/subscribe_events?token=${core.userToken}&entity_id=sensor.registry_probe`);
  open.push(retry);
  await retry.response;
  assert.equal(retry.status, 200, 'a freed slot is taken by the next client');
  const full = new RawStream(`${instances.A.base}/subscribe_events?token=${core.userToken}&entity_id=sensor.registry_probe`);
  open.push(full);
  await full.response;
  assert.equal(full.status, 503, 'and the cluster is full again');
});

test('a killed instance’s streams and slots are released when its registry key expires', async () => {
  // After a SIGKILL C's hash lives until its expiry, which the test brings forward in Redis itself.
  const before = await list(instances.A);
  assert.equal(before.total, MAX_CLIENTS);
  const onC = before.connections.filter((c) => c.instance_id === instances.C.instanceId).length;
  assert.ok(onC > 0);
  const ownKey = `sse-hub:streams:${instances.C.instanceId}`;
  instances.C.run.child.kill('SIGKILL');
  await instances.C.run.exit;
  const { redisClient } = await import('../../src/transport/redis-client.ts');
  const client = redisClient(redis.url);
  await client.connect();
  try {
    // The expiry a heartbeat would have let lapse: make it lapse now.
    assert.equal(await client.pexpire(ownKey, 1), 1);
    let total = (await list(instances.A)).total;
    const deadline = Date.now() + 3000;
    while (total !== MAX_CLIENTS - onC && Date.now() < deadline) total = (await list(instances.A)).total;
    assert.equal(total, MAX_CLIENTS - onC, 'C’s streams left the list');
    const after = new RawStream(`${instances.B.base}/subscribe_events?token=${core.userToken}&entity_id=sensor.registry_probe`);
    open.push(after);
    await after.response;
    assert.equal(after.status, 200, 'C’s slots are free again');
  } finally {
    client.disconnect();
  }
});
