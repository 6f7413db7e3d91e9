/**
 * The home case of issue 13, defect 1: one wall tablet is the only stream of its event type, its
 * network blips, core fires events while it is away, and it resumes with Last-Event-ID. The
 * whole product (demo mode, the real bridge and simulator) must hand it exactly what it missed;
 * and a resume that cannot be served exactly, such as an id from before a restart of the service,
 * gets `replay_gap`, never a silently partial replay.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { SseHubServer } from '../src/app/server.ts';
import { openStream, type RawStream } from './http/subscribe-harness.ts';
import { captureLogger } from './log-capture.ts';
import { childEnv } from './process-harness.ts';
import { until } from './until.ts';

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-lone-'));
const servers: SseHubServer[] = [];
const streams: RawStream[] = [];
after(async () => {
  for (const stream of streams) stream.close();
  for (const server of servers) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(): Promise<SseHubServer> {
  const config = loadConfig(childEnv(dir, { DEMO_EVENT_RATE: '0', STREAM_LIMIT: '100' }));
  const server = new SseHubServer(config, captureLogger('warning').logger, { shutdownGraceMs: 200 });
  servers.push(server);
  await server.start();
  await until(() => server.bridge.state === 'connected', 'upstream connected', 5000);
  return server;
}

const QUERY = 'events=script_executed&entity_id=script.good_night';

async function stream(server: SseHubServer, lastEventId?: string): Promise<RawStream> {
  const token = server.simulator!.adminToken;
  const headers: Record<string, string> = lastEventId ? { 'Last-Event-ID': lastEventId } : {};
  const opened = await openStream(`http://127.0.0.1:${server.lan.port}/subscribe_events?token=${token}&${QUERY}`, { headers });
  streams.push(opened);
  await opened.waitFor((s) => s.frames.some((f) => f.json.type === 'connection'), 'connection');
  // Core confirms a new subscription asynchronously; events fired before that never reach the hub.
  const subscribed = () => server.simulator!.activeSubscriptions().some((c) => c.eventTypes.includes('script_started'));
  await until(subscribed, 'core subscribed to script_started');
  return opened;
}

const errorsOf = (s: RawStream) => s.frames.filter((f) => f.json.type === 'error').map((f) => (f.json as { error?: string }).error);

describe('a lone stream that drops and resumes', () => {
  it('gets exactly the events core fired while it was away', async () => {
    const server = await startServer();
    const sim = server.simulator!;
    const first = await stream(server);
    sim.callService('script', 'turn_on', { entity_id: 'script.good_night' });
    await first.waitFor((s) => s.events.length === 1, 'the first script run');
    const lastSeen = first.events[0]!.id!;
    first.close();
    await until(() => server.hub.list().length === 0, 'the stream is gone');

    const head = server.transport.head();
    sim.callService('script', 'turn_on', { entity_id: 'script.good_night' });
    sim.callService('script', 'turn_on', { entity_id: 'script.good_night' });
    // Nobody listens now; the transport's head moving is what says the events were recorded.
    await until(() => server.transport.head() !== head && Number(server.transport.head()) >= Number(head) + 2, 'two runs recorded while away');

    const resumed = await stream(server, lastSeen);
    await resumed.waitFor((s) => s.events.length === 2, 'the two missed runs');
    assert.deepEqual(errorsOf(resumed), [], 'no replay_gap: the replay is exact');
    const ids = resumed.events.map((f) => Number(f.id));
    assert.ok(ids[0]! > Number(lastSeen) && ids[1]! > ids[0]!, 'in order, after the last seen id');
    assert.deepEqual(resumed.events.map((f) => f.json.type), ['script_executed', 'script_executed']);
    await server.stop();
  });

  it('an id from before a restart of the service gets replay_gap', async () => {
    const before = await startServer();
    const first = await stream(before);
    before.simulator!.callService('script', 'turn_on', { entity_id: 'script.good_night' });
    await first.waitFor((s) => s.events.length === 1, 'a script run before the restart');
    const lastSeen = first.events[0]!.id!;
    await before.stop();

    const afterRestart = await startServer();
    for (let i = 0; i < 3; i++) afterRestart.simulator!.callService('script', 'turn_on', { entity_id: 'script.good_night' });
    const resumed = await stream(afterRestart, lastSeen);
    await resumed.waitFor((s) => errorsOf(s).includes('replay_gap'), 'replay_gap');
    assert.equal(resumed.events.length, 0, 'nothing from an unrelated history');
  });
});
