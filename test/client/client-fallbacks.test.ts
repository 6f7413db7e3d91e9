/**
 * The client's paths off the happy one, against the real server in demo mode: a 429 with
 * `Retry-After` (the stream limit is 1 here) and the `EventSource` fallback (the `eventsource`
 * package standing in for a browser's), which carries the token and the resume point in the query.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import { connect, type SseClient } from '../../src/web/client/index.ts';
import type { ReconnectInfo } from '../../src/web/client/types.ts';
import { type DemoServer, recordingFetch, startDemoServer } from './client-harness.ts';
import { until } from '../until.ts';
import { FakeClock } from '../fake-clock.ts';

let demo: DemoServer;
const clients: SseClient[] = [];
const track = (client: SseClient) => (clients.push(client), client);

before(async () => {
  demo = await startDemoServer({ STREAM_LIMIT: '1', STREAM_LIMIT_WINDOW: '120' });
});

after(async () => {
  for (const client of clients) client.close();
  await demo.stop();
});

describe('client fallbacks', () => {
  it('waits what Retry-After says after a 429, and nothing happens before', async () => {
    const { sim, base } = demo;
    // The one stream this user may open per window, taken over EventSource.
    const first = track(connect({ url: base, token: sim.adminToken, events: 'state_changed', transport: 'eventsource', EventSource, cache: false }));
    await until(() => first.status === 'open', 'the first stream');

    const timers = new FakeClock(0);
    const { fetch, requests } = recordingFetch();
    const client = track(connect({ url: base, token: sim.adminToken, events: 'state_changed', cache: false, timers, random: () => 0, fetch, idleTimeoutMs: 0 }));
    const waits: ReconnectInfo[] = [];
    client.on('reconnecting', (info) => waits.push(info));
    await until(() => waits.length === 1, 'a reconnect decision');
    assert.equal(requests[0]!.status, 429);
    const retryAfter = Number(requests[0]!.retryAfter);
    assert.ok(retryAfter > 1, `Retry-After ${retryAfter} s`);
    assert.deepEqual(waits[0], { attempt: 0, delayMs: retryAfter * 1000, reason: 'rate_limit_exceeded' });
    assert.deepEqual(timers.pendingDelays(), [retryAfter * 1000]);
    assert.equal(requests.length, 1, 'no request before the timer fires');
    assert.equal(client.metrics.lastError?.code, 'rate_limit_exceeded');
    timers.fireAll();
    await until(() => requests.length === 2 && waits.length === 2, 'the second attempt, refused again');
    assert.equal(requests[1]!.status, 429, 'still inside the window');
    assert.ok(waits[1]!.delayMs >= Number(requests[1]!.retryAfter) * 1000);
    assert.equal(waits[1]!.attempt, 1, 'the attempt count grows');
  });

  it('falls back to EventSource with the token and the resume point in the query', async () => {
    const { sim, base } = demo;
    for (const client of clients.splice(0)) client.close();
    const urls: string[] = [];
    class RecordingEventSource extends EventSource {
      constructor(url: string) {
        super(url);
        urls.push(url);
      }
    }
    const timers = new FakeClock(0);
    // Another user: the admin's one stream per window was used above.
    const client = track(
      connect({ url: base, token: sim.userToken, events: 'state_changed', entity_id: 'sensor.fallback', transport: 'eventsource', EventSource: RecordingEventSource, cache: false, timers, idleTimeoutMs: 0 }),
    );
    const states: string[] = [];
    client.on('state_changed', (m) => states.push(String(m.data?.state)));
    await until(() => client.status === 'open', 'open over EventSource');
    sim.setState('sensor.fallback', 'one');
    await until(() => states.length === 1, 'an event');
    const url = new URL(urls[0]!);
    assert.equal(url.searchParams.get('token'), sim.userToken);
    assert.equal(url.searchParams.get('last_event_id'), null, 'a fresh start');
    assert.equal(url.searchParams.get('entity_id'), 'sensor.fallback');
    assert.equal(url.searchParams.get('initial_state'), null, 'not asked for');

    const id = client.lastEventId!;
    const stats = (await (await globalThis.fetch(`${base}/api/sse/connections`, { headers: { Authorization: `Bearer ${sim.adminToken}` } })).json()) as {
      data: { connections: { id: string; user_id: string }[] };
    };
    const mine = stats.data.connections.filter((c) => c.user_id === sim.user.id);
    assert.equal(mine.length, 1);
    const del = await globalThis.fetch(`${base}/api/sse/connections/${mine[0]!.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${sim.adminToken}` } });
    assert.equal(del.status, 200);
    await until(() => timers.pending === 1, 'a reconnect timer');
    // The window allows one stream for this user too, so the reconnect waits for the limit: the
    // point here is the URL it uses.
    timers.fireAll();
    await until(() => urls.length === 2, 'a second EventSource');
    const resumed = new URL(urls[1]!);
    assert.equal(resumed.searchParams.get('last_event_id'), id, 'resumes from the last id');
    assert.equal(resumed.searchParams.get('initial_state'), 'true', 'asks for states should the id be gone');
  });
});
