/**
 * The replay window of issue 24 end to end: a wall tablet watching one entity drops off while the
 * home fires 6000 state changes back to back (well under a minute; at 10 changes a second the old
 * 1000-event ring covered 100 s), then resumes with `Last-Event-ID` from a real EventSource. With
 * the default options it gets exactly the events it missed, with the memory transport and in Redis
 * mode; with the window set to 0 (history by count only, as before 0.2.0) the same resume is a
 * `replay_gap`, so the scenario does exceed the old history. The whole product runs: the
 * simulator fires the changes, the bridge publishes them, the hub replays them over HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type DemoServer, startDemoServer } from './demo-server.ts';
import { RecordingEventSource } from './http/subscribe-harness.ts';
import { until } from './until.ts';
import { TestRedis } from './redis-server.ts';

const PROBE = 'sensor.replay_probe';
const MARKER = 'sensor.replay_marker';
const EVENTS = 6000;

const redis = new TestRedis();
const servers: DemoServer[] = [];
const sources: RecordingEventSource[] = [];
before(() => redis.start());
after(async () => {
  for (const es of sources) es.close();
  for (const demo of servers) await demo.stop();
  await redis.dispose();
});

async function start(env: Record<string, string>): Promise<DemoServer> {
  const demo = await startDemoServer({ DEMO_EVENT_RATE: '0', STREAM_LIMIT: '100', ...env }, { logLevel: 'warning', options: { shutdownGraceMs: 200 } });
  servers.push(demo);
  const topology = demo.server.topology;
  // Redis mode: this single instance must lead (its bridge then publishes into the stream).
  if (topology.kind === 'redis') await until(() => topology.leader && topology.status.state === 'connected', 'leading the Redis cluster', 15_000);
  return demo;
}

function open(demo: DemoServer, entity: string, headers: Record<string, string> = {}): RecordingEventSource {
  const es = new RecordingEventSource(`${demo.base}/subscribe_events?token=${demo.sim.adminToken}&entity_id=${entity}`, headers);
  sources.push(es);
  return es;
}

const changes = (es: RecordingEventSource) => es.ofType('state_changed').map((m) => (m.json.data as { state: string }).state);

/** The tablet sees one change, drops off, 6000 changes are fired (6 of them its entity), it resumes. */
async function awayDuringBurst(demo: DemoServer): Promise<{ resumed: RecordingEventSource; missed: string[] }> {
  const { sim } = demo;
  const marker = open(demo, MARKER);
  const tablet = open(demo, PROBE);
  await marker.waitFor((es) => es.ofType('connection').length === 1, 'the marker stream');
  await tablet.waitFor((es) => es.ofType('connection').length === 1, 'the tablet stream');
  sim.setState(PROBE, 'before');
  await tablet.waitFor((es) => changes(es).length === 1, 'the change before', 10_000);
  const lastSeen = tablet.ofType('state_changed')[0]!.id;
  tablet.close();
  await until(() => demo.server.hub.list().length === 1, 'the tablet stream closed');

  const missed: string[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const mine = i % 1000 === 500;
    sim.setState(mine ? PROBE : `sensor.noise_${i % 50}`, String(i));
    if (mine) missed.push(String(i));
  }
  // Events reach the hub in order: once the marker's change arrived, every change before it is recorded.
  sim.setState(MARKER, 'after the burst');
  await marker.waitFor((es) => changes(es).includes('after the burst'), 'the marker after the burst', 60_000);

  const resumed = open(demo, PROBE, { 'Last-Event-ID': lastSeen });
  await resumed.waitFor((es) => es.ofType('connection').length === 1, 'the resumed stream');
  return { resumed, missed };
}

async function assertExactResume(demo: DemoServer): Promise<void> {
  const { resumed, missed } = await awayDuringBurst(demo);
  demo.sim.setState(PROBE, 'live');
  await resumed.waitFor((es) => changes(es).includes('live') || es.ofType('error').length > 0, 'the live change', 10_000);
  assert.deepEqual(resumed.ofType('error').map((m) => m.json), [], 'no replay_gap');
  assert.deepEqual(changes(resumed), [...missed, 'live'], 'every missed change once, in order, then live');

  const stats = await fetch(`${demo.base}/api/sse/stats`, { headers: { Authorization: `Bearer ${demo.sim.adminToken}` } });
  const data = ((await stats.json()) as { data: Record<string, number> }).data;
  assert.ok(data.replay_events! >= EVENTS, `${data.replay_events} events held`);
  assert.ok(data.replay_bytes! > 0);
  assert.equal(typeof data.replay_window_seconds, 'number');
}

describe('a resume after 6000 events fired in under a minute', () => {
  it('is exact with the memory transport and the default options', async () => {
    await assertExactResume(await start({}));
  });

  it('is exact in Redis mode with the default options', async () => {
    await assertExactResume(await start({ REDIS_URL: redis.url }));
  });

  it('was a replay_gap with history by count only (replay_window_minutes 0, the 0.1.0 behaviour)', async () => {
    const demo = await start({ REPLAY_WINDOW_MINUTES: '0' });
    const { resumed } = await awayDuringBurst(demo);
    demo.sim.setState(PROBE, 'live');
    await resumed.waitFor((es) => changes(es).includes('live'), 'the live change', 10_000);
    assert.deepEqual(
      resumed.ofType('error').map((m) => m.json.error),
      ['replay_gap'],
    );
    assert.deepEqual(changes(resumed), ['live'], 'nothing partial: live events only after the gap');
  });
});
