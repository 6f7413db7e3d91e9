/**
 * Redis mode, leader handover without loss: four real product processes on one real redis-server
 * and one simulator firing about 50 mixed events a second (changes of one continuously changing
 * entity, changes of distinct entities, `call_service`, two custom types). The leader is killed
 * (SIGKILL) three times; the instance that was never killed keeps clients open throughout, and
 * every one of them must get every event of its types exactly once and in order.
 *
 * No sleeps: a takeover is known from its log line, and "nothing more arrives" from a final
 * marker event fired after the last one counted (the stream is ordered).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HaSimulator } from '../../src/simulator/index.ts';
import { redisClient } from '../../src/transport/redis-client.ts';
import { RecordingEventSource } from '../http/subscribe-harness.ts';
import { until } from '../until.ts';
import { type Run, findLine, killLeftovers, waitFor } from '../process-harness.ts';
import { type ClusterInstance, launchInstance } from './launch.ts';
import { TestRedis } from '../redis-server.ts';

const TIMINGS = { lockTtlMs: 1500, heartbeatMs: 500, expiryMs: 3000, blockMs: 300 };
const COUNTER = 'sensor.handover_counter';
const DISTINCT = (n: number) => `sensor.handover_distinct_${n % 7}`;
const TYPES = ['counter', 'distinct', 'service_called', 'custom_a', 'custom_b'] as const;
type Kind = (typeof TYPES)[number];
const dir = mkdtempSync(join(tmpdir(), 'sse-hub-handover-'));
const redis = new TestRedis();
const core = new HaSimulator({ seed: 13 });

type Name = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
type Instance = ClusterInstance<Name>;
const instances = {} as Record<Name, Instance>;
const clients: { on: Name; es: RecordingEventSource }[] = [];

async function launch(name: Name): Promise<Instance> {
  const instance = await launchInstance({ name, dir, core, redisUrl: redis.url, timings: TIMINGS, env: { STREAM_LIMIT: '0', RATE_LIMIT_PER_MINUTE: '100000' }, startMs: 20_000, joinMs: 8000 });
  return (instances[name] = instance);
}

/** What one received event counts as, and its sequence number within its kind. */
function classify(json: Record<string, unknown>): { kind: Kind | 'done'; seq: number } | undefined {
  const data = json.data as Record<string, unknown> | undefined;
  if (!data) return undefined;
  switch (json.type) {
    case 'state_changed':
      if (data.entity_id === COUNTER) return { kind: 'counter', seq: Number(data.state) };
      if (typeof data.entity_id === 'string' && data.entity_id.startsWith('sensor.handover_distinct_')) return { kind: 'distinct', seq: Number(data.state) };
      return undefined;
    case 'service_called':
      return { kind: 'service_called', seq: Number((data.service_data as { seq?: unknown }).seq) };
    case 'custom_a':
    case 'custom_b':
      return { kind: json.type, seq: Number(data.seq) };
    case 'handover_done':
      return { kind: 'done', seq: 0 };
    default:
      return undefined;
  }
}

const fired: Record<Kind, number> = { counter: 0, distinct: 0, service_called: 0, custom_a: 0, custom_b: 0 };
let tick = 0;

/** One event of the next kind, round robin: 50 a second at a 20 ms interval. */
function fireNext(): void {
  const kind = TYPES[tick++ % TYPES.length]!;
  const seq = ++fired[kind];
  switch (kind) {
    case 'counter':
      core.setState(COUNTER, String(seq));
      break;
    case 'distinct':
      core.setState(DISTINCT(seq), String(seq));
      break;
    case 'service_called':
      core.fireEvent('call_service', { domain: 'handover', service: 'probe', service_data: { seq } });
      break;
    default:
      core.fireEvent(kind, { seq });
  }
}

async function leader(): Promise<Instance> {
  const client = redisClient(redis.url);
  await client.connect();
  try {
    let holder: string | null = null;
    const deadline = Date.now() + 10_000;
    while (!holder && Date.now() < deadline) holder = await client.get('sse-hub:leader');
    const found = Object.values(instances).find((i) => holder?.startsWith(`${i.instanceId}:`));
    assert.ok(found, `a leader among the instances (${holder})`);
    return found;
  } finally {
    client.disconnect();
  }
}

before(async () => {
  await redis.start();
  await core.start();
  await launch('A');
  await waitFor('A leads', instances.A.run, () => findLine(instances.A.run.stdout(), 'this instance is now the leader'), 8000);
  await launch('B');
  await waitFor('B stands by', instances.B.run, () => findLine(instances.B.run.stdout(), 'this instance is now the standby: it follows core to take over without loss'), 8000);
  await Promise.all([launch('C'), launch('D')]);
});

after(async () => {
  for (const c of clients) c.es.close();
  killLeftovers();
  await core.stop();
  await redis.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('three SIGKILLs of the leader at 50 mixed events/s: every client on a surviving instance gets every event of its types once, in order', async (t) => {
  core.setState(COUNTER, '0');
  for (const name of ['B', 'C', 'D'] as const) {
    for (let i = 0; i < 2; i++) {
      const es = new RecordingEventSource(
        `${instances[name].base}/subscribe_events?token=${core.adminToken}&events=state_changed,service_called,custom_a,custom_b,handover_done`,
      );
      clients.push({ on: name, es });
      await es.waitFor((s) => s.ofType('connection').length === 1, `client on ${name}`);
    }
  }
  const timer = setInterval(fireNext, 20);
  const killed: Name[] = [];
  const takeovers: number[] = [];
  try {
    for (let kill = 0; kill < 3; kill++) {
      const target = await leader();
      // Let events flow on this leader first: a surviving client sees some fired after the previous takeover.
      const mark = fired.custom_a + 25;
      const watcher = clients.find((c) => !killed.includes(c.on) && c.on !== target.name)!;
      await watcher.es.waitFor((s) => s.ofType('custom_a').some((m) => Number((m.json.data as { seq: number }).seq) >= mark), 'events on this leader', 10_000);
      const others = (Object.keys(instances) as Name[]).filter((n) => n !== target.name && !killed.includes(n));
      const before = new Map(others.map((n) => [n, lineCount(instances[n].run, 'took over: appended what the last leader had not')]));
      const killedAt = Date.now();
      target.run.child.kill('SIGKILL');
      await target.run.exit;
      killed.push(target.name);
      await until(() => others.some((n) => lineCount(instances[n].run, 'took over: appended what the last leader had not') > before.get(n)!), 'a takeover', 10_000);
      takeovers.push(Date.now() - killedAt);
    }
    // Events keep flowing on the third leader for a while.
    const mark = fired.custom_b + 5;
    const watcher = clients.find((c) => !killed.includes(c.on))!;
    await watcher.es.waitFor((s) => s.ofType('custom_b').some((m) => Number((m.json.data as { seq: number }).seq) >= mark), 'events on the last leader', 10_000);
  } finally {
    clearInterval(timer);
  }
  core.fireEvent('handover_done', {});
  const survivors = clients.filter((c) => !killed.includes(c.on));
  assert.ok(survivors.length >= 2, `clients on a never-killed instance (killed: ${killed.join(',')})`);
  for (const c of survivors) await c.es.waitFor((s) => s.ofType('handover_done').length === 1, `the marker on ${c.on}`, 15_000);

  const recovered = (Object.keys(instances) as Name[]).flatMap((n) =>
    instances[n].run
      .stdout()
      .split('\n')
      .filter((l) => l.includes('"msg":"took over: appended what the last leader had not"'))
      .map((l) => (JSON.parse(l) as { recovered: number }).recovered),
  );
  const report: string[] = [`takeover (kill → new leader appended): ${takeovers.join(', ')} ms; events appended from the standby's buffer per leadership: ${recovered.join(', ')}`];
  for (const c of survivors) {
    const got: Record<Kind, number[]> = { counter: [], distinct: [], service_called: [], custom_a: [], custom_b: [] };
    for (const m of c.es.messages) {
      const hit = classify(m.json as Record<string, unknown>);
      if (hit && hit.kind !== 'done') got[hit.kind].push(hit.seq);
    }
    // The counter starts at the '0' set before the clients connected (not received); its first change is 1.
    for (const kind of TYPES) {
      const expected = Array.from({ length: fired[kind] }, (_, i) => i + 1);
      const seen = new Set(got[kind]);
      const lost = expected.filter((n) => !seen.has(n)).length;
      const duplicates = got[kind].length - seen.size;
      report.push(`${c.on} ${kind}: fired ${fired[kind]}, received ${got[kind].length}, lost ${lost}, duplicates ${duplicates}`);
      assert.deepEqual(got[kind], expected, `${kind} on ${c.on}: every event once, in order`);
    }
  }
  for (const line of report) t.diagnostic(line);
});

test('every instance killed, one started: the new leader publishes what changed meanwhile, from what the cluster published, not from its start-up read', async () => {
  const survivor = clients.find((c) => c.es.es.readyState === 1)!;
  core.setState(COUNTER, 'before-all-killed');
  await survivor.es.waitFor((s) => s.ofType('state_changed').some((m) => (m.json.data as { state: string }).state === 'before-all-killed'), 'the last change seen');
  const lastId = survivor.es.messages.at(-1)!.id;
  for (const instance of Object.values(instances)) {
    if (instance.run.child.exitCode !== null || instance.run.child.signalCode !== null) continue;
    instance.run.child.kill('SIGKILL');
    await instance.run.exit;
  }
  core.setState(COUNTER, 'while-nobody-ran');
  const started = await launch('E');
  await waitFor('E leads', started.run, () => findLine(started.run.stdout(), 'took over: appended what the last leader had not'), 10_000);
  const es = new RecordingEventSource(`${started.base}/subscribe_events?token=${core.adminToken}&entity_id=${COUNTER}`, { 'Last-Event-ID': lastId });
  clients.push({ on: 'E', es });
  core.setState(COUNTER, 'after-restart');
  await es.waitFor((s) => s.ofType('state_changed').some((m) => (m.json.data as { state: string }).state === 'after-restart'), 'live after the restart', 10_000);
  const states = es.ofType('state_changed').map((m) => (m.json.data as { state: string; resync?: boolean }).state);
  assert.deepEqual(states, ['while-nobody-ran', 'after-restart'], 'the change made while nobody ran, once, before live');
  assert.equal((es.ofType('state_changed')[0]!.json.data as { resync?: boolean }).resync, true);
});

test('Redis stopped for 2 s while 50 mixed events/s flow, then started empty: every client gets every event once, in order', async (t) => {
  const F = await launch('F');
  await waitFor('F stands by', F.run, () => findLine(F.run.stdout(), 'this instance is now the standby: it follows core to take over without loss'), 8000);
  const watched: { on: Name; es: RecordingEventSource }[] = [];
  for (const name of ['E', 'F'] as const) {
    const es = new RecordingEventSource(`${instances[name].base}/subscribe_events?token=${core.adminToken}&events=state_changed,service_called,custom_a,custom_b,handover_done`);
    watched.push({ on: name, es });
    clients.push({ on: name, es });
    await es.waitFor((s) => s.ofType('connection').length === 1, `client on ${name}`);
  }
  const base: Record<Kind, number> = { ...fired };
  const timer = setInterval(fireNext, 20);
  try {
    await watched[0]!.es.waitFor((s) => s.ofType('custom_a').some((m) => Number((m.json.data as { seq: number }).seq) >= base.custom_a + 10), 'events before the outage', 10_000);
    await redis.stop();
    const downAt = fired.custom_b;
    // Two seconds of events (20 of each kind at 50/s) are fired while Redis is away.
    await until(() => fired.custom_b >= downAt + 20, 'events fired while Redis is down', 10_000);
    await redis.start();
    const mark = fired.custom_b + 10;
    await watched[0]!.es.waitFor((s) => s.ofType('custom_b').some((m) => Number((m.json.data as { seq: number }).seq) >= mark), 'events after Redis is back', 15_000);
  } finally {
    clearInterval(timer);
  }
  core.fireEvent('handover_done', {});
  for (const c of watched) await c.es.waitFor((s) => s.ofType('handover_done').length === 1, `the marker on ${c.on}`, 15_000);
  for (const c of watched) {
    const got: Record<Kind, number[]> = { counter: [], distinct: [], service_called: [], custom_a: [], custom_b: [] };
    for (const m of c.es.messages) {
      const hit = classify(m.json as Record<string, unknown>);
      if (hit && hit.kind !== 'done' && hit.seq > base[hit.kind]) got[hit.kind].push(hit.seq);
    }
    for (const kind of TYPES) {
      const expected = Array.from({ length: fired[kind] - base[kind] }, (_, i) => base[kind] + i + 1);
      const seen = new Set(got[kind]);
      t.diagnostic(`${c.on} ${kind}: fired ${expected.length}, received ${got[kind].length}, lost ${expected.filter((n) => !seen.has(n)).length}, duplicates ${got[kind].length - seen.size}`);
      assert.deepEqual(got[kind], expected, `${kind} on ${c.on}: every event once, in order, across the Redis restart`);
    }
  }
});

function lineCount(run: Run, msg: string): number {
  return run
    .stdout()
    .split('\n')
    .filter((l) => l.includes(`"msg":"${msg}"`)).length;
}
