/**
 * Redis mode end to end: three real product processes (A, B, C) in standalone mode against one
 * Home Assistant simulator and one real redis-server, with short lock, heartbeat and expiry
 * timings. The cases run in order and share the cluster: leader A's events reach a client on B;
 * a client moves from B to C with its Last-Event-ID; global figures and a remote close; SIGKILL
 * of the leader; a Redis restart; and the request budget shared across instances.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HaSimulator } from '../../src/simulator/index.ts';
import { RecordingEventSource } from '../http/subscribe-harness.ts';
import { type Run, findLine, killLeftovers, waitFor } from '../process-harness.ts';
import { type ClusterInstance, launchInstance } from './launch.ts';
import { redisClient } from '../../src/transport/redis-client.ts';
import { TestRedis } from '../redis-server.ts';
import { until } from '../until.ts';

const TIMINGS = { lockTtlMs: 1500, heartbeatMs: 250, expiryMs: 1000, blockMs: 300 };
const BUDGET = 400;
const ENTITY = 'sensor.cluster_probe';
const dir = mkdtempSync(join(tmpdir(), 'sse-hub-cluster-'));
const redis = new TestRedis();
const core = new HaSimulator({ seed: 11 });

type Instance = ClusterInstance<'A' | 'B' | 'C'>;
const instances: Record<'A' | 'B' | 'C', Instance> = {} as never;
const streams: RecordingEventSource[] = [];
/** The client that moved from B to C (test 2); test 3 closes it from A. */
let moved: RecordingEventSource | undefined;

async function launch(name: 'A' | 'B' | 'C'): Promise<Instance> {
  const instance = await launchInstance({ name, dir, core, redisUrl: redis.url, timings: TIMINGS, env: { RATE_LIMIT_PER_MINUTE: String(BUDGET), STREAM_LIMIT: '1000' } });
  return (instances[name] = instance);
}

function lines(run: Run, msg: string): Record<string, unknown>[] {
  return run
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg);
}

function open(instance: Instance, token: string, headers: Record<string, string> = {}): RecordingEventSource {
  const es = new RecordingEventSource(`${instance.base}/subscribe_events?token=${token}&entity_id=${ENTITY}`, headers);
  streams.push(es);
  return es;
}

const states = (es: RecordingEventSource) => es.ofType('state_changed').map((m) => (m.json.data as { state: string }).state);
const admin = () => ({ Authorization: `Bearer ${core.adminToken}` });

async function monitor(instance: Instance): Promise<Record<string, unknown>> {
  const res = await fetch(`${instance.base}/api/admin/sse-monitor`, { headers: admin() });
  assert.equal(res.status, 200);
  return ((await res.json()) as { data: Record<string, unknown> }).data;
}

before(async () => {
  await redis.start();
  await core.start();
  core.setState(ENTITY, '0');
  await launch('A');
  await waitFor('A leads', instances.A.run, () => findLine(instances.A.run.stdout(), 'this instance is now the leader'), 5000);
  await Promise.all([launch('B'), launch('C')]);
});

after(async () => {
  for (const es of streams) es.close();
  killLeftovers();
  await core.stop();
  await redis.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('a client on B receives what core fired, through leader A; only the leader and the standby connect to core', async () => {
  assert.equal(findLine(instances.B.run.stdout(), 'joined the Redis cluster')?.leader, false);
  assert.equal(findLine(instances.C.run.stdout(), 'joined the Redis cluster')?.leader, false);
  await until(() => core.openConnections() === 2, 'two core connections: the leader’s and the standby’s');
  assert.equal(['B', 'C'].filter((n) => findLine(instances[n as 'B' | 'C'].run.stdout(), 'this instance is now the standby: it follows core to take over without loss')).length, 1);
  const es = open(instances.B, core.userToken);
  await es.waitFor((s) => s.ofType('connection').length === 1, 'connection');
  core.setState(ENTITY, '1');
  await es.waitFor((s) => states(s).includes('1'), 'event 1 on B');
  assert.match(es.ofType('state_changed')[0]!.id, /^\d+-\d+$/, 'the SSE id is a Redis Stream id');
  es.close();
  // A follower that never subscribed to core still answers initial_state (its cache: REST snapshot + the stream).
  const initial = new RecordingEventSource(`${instances.C.base}/subscribe_events?token=${core.userToken}&entity_id=${ENTITY}&initial_state=true`);
  streams.push(initial);
  await initial.waitFor((s) => states(s).length === 1, 'the initial state on C');
  assert.deepEqual(states(initial), ['1']);
  initial.close();
});

test('a client that moves from B to C with its Last-Event-ID gets exactly what it missed, in order', async () => {
  const onB = open(instances.B, core.userToken);
  await onB.waitFor((s) => s.ofType('connection').length === 1, 'connection on B');
  core.setState(ENTITY, '2');
  core.setState(ENTITY, '3');
  await onB.waitFor((s) => states(s).includes('3'), 'events 2 and 3 on B');
  onB.close();
  const lastId = onB.ofType('state_changed').at(-1)!.id;
  // A witness on C shows when the events the mover misses are in the stream.
  const witness = open(instances.C, core.adminToken);
  await witness.waitFor((s) => s.ofType('connection').length === 1, 'witness');
  for (const n of ['4', '5', '6']) core.setState(ENTITY, n);
  await witness.waitFor((s) => states(s).includes('6'), 'events 4-6 on C');
  const mover = open(instances.C, core.userToken, { 'Last-Event-ID': lastId });
  await mover.waitFor((s) => states(s).includes('6'), 'replay on C');
  core.setState(ENTITY, '7');
  await mover.waitFor((s) => states(s).includes('7'), 'live 7 on C');
  await witness.waitFor((s) => states(s).includes('7'), 'live 7 on the witness');
  assert.deepEqual(states(mover), ['4', '5', '6', '7'], 'exactly the missed events, then live, no duplicates');
  const ids = mover.ofType('state_changed').map((m) => m.id);
  assert.deepEqual(ids, witness.ofType('state_changed').map((m) => m.id), 'the same ids on every instance');
  moved = mover;
});

test('global figures count every instance; an admin on A closes a stream held by C', async () => {
  const onA = open(instances.A, core.userToken);
  const onB = open(instances.B, core.adminToken);
  await onA.waitFor((s) => s.ofType('connection').length === 1, 'stream on A');
  await onB.waitFor((s) => s.ofType('connection').length === 1, 'stream on B');
  // Streams now: A user, B admin, C witness (admin), C mover (user).
  // Heartbeats lag: wait until the figures show exactly these streams (closed ones gone).
  const expectedPerUser = JSON.stringify({ [core.adminUser.id]: 2, [core.user.id]: 2 });
  const settled = (d: Record<string, unknown>) =>
    d.global_connections === 4 && JSON.stringify(Object.fromEntries(Object.entries(d.connections_per_user as object).sort())) === JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(expectedPerUser) as object).sort()));
  let data: Record<string, unknown> = {};
  // On a timeout the assertions below say what is off.
  await until(async () => settled((data = await monitor(instances.A))), 'the figures to settle', 3000).catch(() => undefined);
  assert.equal(data.handler_type, 'redis');
  assert.equal(data.instance_id, findLine(instances.A.run.stdout(), 'SSE Hub started')?.instanceId);
  assert.equal(data.local_connections, 1);
  assert.equal(data.local_unique_users, 1);
  assert.equal(data.global_connections, 4);
  assert.equal(data.global_unique_users, 2);
  assert.deepEqual(data.connections_per_user, { [core.adminUser.id]: 2, [core.user.id]: 2 });
  const stats = (await (await fetch(`${instances.B.base}/api/sse/stats`, { headers: admin() })).json()) as { data: Record<string, unknown> };
  assert.equal(stats.data.scope, 'local', 'the stats endpoint says its figures are this instance’s');
  assert.equal(stats.data.instance_id, findLine(instances.B.run.stdout(), 'SSE Hub started')?.instanceId);
  const listed = data.instances as { instance_id: string; last_heartbeat: string }[];
  assert.equal(listed.length, 3);
  for (const i of listed) assert.ok(Date.now() - Date.parse(i.last_heartbeat) < 2000, `${i.instance_id} beat recently`);

  const mover = moved!;
  const id = mover.ofType('connection')[0]!.json.id as string;
  const res = await fetch(`${instances.A.base}/api/sse/connections/${id}`, { method: 'DELETE', headers: admin() });
  assert.equal(res.status, 200);
  await mover.waitFor((s) => s.messages.some((m) => m.json.type === 'error' && m.json.error === 'connection_closed'), 'connection_closed on C');
  mover.close();
  const missing = await fetch(`${instances.A.base}/api/sse/connections/no-such-stream`, { method: 'DELETE', headers: admin() });
  assert.equal(missing.status, 404);
});

test('SIGKILL of the leader: the standby leads within the TTL and appends what the leader missed, once, without announcing a gap', async () => {
  const onB = open(instances.B, core.userToken);
  await onB.waitFor((s) => s.ofType('connection').length === 1, 'stream on B');
  for (const es of streams) if (es.es.url.startsWith(instances.A.base)) es.close();
  const killedAt = Date.now();
  instances.A.run.child.kill('SIGKILL');
  await instances.A.run.exit;
  core.setState(ENTITY, 'while-leaderless');
  const leader = await until(
    () => ['B', 'C'].some((n) => findLine(instances[n as 'B' | 'C'].run.stdout(), 'this instance is now the leader')),
    'a new leader',
    TIMINGS.lockTtlMs * 3,
  ).then(() => Date.now() - killedAt);
  assert.ok(leader <= TIMINGS.lockTtlMs + TIMINGS.lockTtlMs / 3 + 500, `took over after ${leader} ms`);
  await onB.waitFor((s) => states(s).includes('while-leaderless'), 'the missed change, from the standby', 5000);
  const recovered = onB.ofType('state_changed').filter((m) => (m.json.data as { state: string }).state === 'while-leaderless');
  assert.equal(recovered.length, 1);
  assert.equal((recovered[0]!.json.data as { resync?: boolean }).resync, undefined, 'core’s own event, not a resync');
  core.setState(ENTITY, '8');
  await onB.waitFor((s) => states(s).includes('8'), 'live again');
  assert.equal(onB.messages.some((m) => m.json.type === 'error' && m.json.error === 'upstream_unavailable'), false, 'no gap to announce');
  await until(() => core.openConnections() === 2, 'two core connections again');

  // The killed instance's stream leaves the global figures within the expiry.
  let data = await monitor(instances.B);
  const left = Math.max(0, killedAt + TIMINGS.expiryMs + 1500 - Date.now());
  await until(async () => ((data = await monitor(instances.B)).instances as unknown[]).length === 2, 'A to drop out', left).catch(() => undefined);
  assert.equal((data.instances as unknown[]).length, 2, 'A dropped out');
  assert.equal(data.global_connections, 3, 'B admin + B user + C witness');
});

test('Redis restarted mid-stream: no crash, one log line each way, streams announce and resume', async () => {
  const onC = streams.find((es) => es.es.url.startsWith(instances.C.base) && es.es.readyState === 1)!;
  const unavailableBefore = onC.messages.filter((m) => m.json.error === 'upstream_unavailable').length;
  const leadsBefore = ['B', 'C'].map((n) => lines(instances[n as 'B' | 'C'].run, 'this instance is now the leader').length);
  await redis.restart();
  await onC.waitFor((s) => s.messages.filter((m) => m.json.error === 'upstream_unavailable').length > unavailableBefore, 'announced', 5000);
  await until(
    () => ['B', 'C'].some((n, i) => lines(instances[n as 'B' | 'C'].run, 'this instance is now the leader').length > leadsBefore[i]!),
    'the lock re-acquired',
    8000,
  );
  core.setState(ENTITY, '9');
  await onC.waitFor((s) => states(s).includes('9'), 'events resume', 8000);
  for (const n of ['B', 'C'] as const) {
    const run = instances[n].run;
    assert.equal(run.child.exitCode, null, `${n} is still running`);
    assert.equal(lines(run, 'Redis is unreachable; streams stay open and resume when it is back').length, 1, `${n}: one line down`);
    await until(() => lines(run, 'Redis is reachable again').length === 1, `${n}: one line back`);
  }
});

test('a leader paused past its TTL (SIGSTOP) is replaced; resumed, it appends nothing and steps down', async () => {
  // The leader is whoever holds the lock (its value starts with the instance id).
  const admin = redisClient(redis.url);
  admin.on('error', () => {});
  await admin.connect();
  const holder = await admin.get('sse-hub:leader');
  admin.disconnect();
  const idOf = (i: Instance) => findLine(i.run.stdout(), 'SSE Hub started')?.instanceId as string;
  assert.ok(holder, 'someone leads');
  const paused = holder.startsWith(`${idOf(instances.B)}:`) ? instances.B : instances.C;
  assert.ok(holder.startsWith(`${idOf(paused)}:`));
  const other = paused === instances.B ? instances.C : instances.B;
  const watcher = open(other, core.userToken);
  await watcher.waitFor((s) => s.ofType('connection').length === 1, 'watcher');
  const otherLeadsBefore = lines(other.run, 'this instance is now the leader').length;
  paused.run.child.kill('SIGSTOP');
  try {
    core.setState(ENTITY, 'while-paused');
    await until(() => lines(other.run, 'this instance is now the leader').length > otherLeadsBefore, 'the other instance leads', TIMINGS.lockTtlMs * 3);
    await watcher.waitFor((s) => states(s).includes('while-paused'), 'the change made while the leader was paused', 5000);
  } finally {
    paused.run.child.kill('SIGCONT');
  }
  await until(() => lines(paused.run, 'this instance lost the leader lock').length > 0, 'the ex-leader steps down', 5000);
  core.setState(ENTITY, 'after-resume');
  await watcher.waitFor((s) => states(s).includes('after-resume'), 'live after the resume');
  await until(() => core.openConnections() === 2, 'two core connections: leader and standby');
  // Whatever the ex-leader still had buffered from core was refused by the fence: nothing twice.
  const seen = states(watcher);
  assert.equal(seen.filter((x) => x === 'while-paused').length, 1);
  assert.equal(seen.filter((x) => x === 'after-resume').length, 1);
  assert.equal(paused.run.child.exitCode, null);
});

test('the request budget is shared by the instances', async () => {
  const remaining: number[] = [];
  let refused: { on: string; status: number } | undefined;
  for (let i = 0; i < BUDGET + 2 && !refused; i++) {
    const instance = i % 2 === 0 ? instances.B : instances.C;
    const res = await fetch(`${instance.base}/api/sse/stats`, { headers: admin() });
    await res.arrayBuffer();
    if (res.status === 429) refused = { on: instance.name, status: res.status };
    else remaining.push(Number(res.headers.get('X-RateLimit-Remaining')));
  }
  assert.ok(refused, 'the budget ran out');
  for (let i = 1; i < remaining.length; i++) assert.equal(remaining[i], remaining[i - 1]! - 1, 'each request on either instance takes from one budget');
  assert.equal(remaining.at(-1), 0);
});
