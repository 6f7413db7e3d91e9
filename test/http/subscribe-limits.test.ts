/** `/subscribe_events` limits: clients, streams per window, requests per minute, slow consumers, inactivity, max age. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, FakeClock, FrameParser, type Harness, RecordingEventSource, StalledClient, USER_TOKEN, openStream, request, stateEvent, perTest } from './subscribe-harness.ts';
import { until } from '../until.ts';

const { harness, track } = perTest();

const SSE = { Accept: 'text/event-stream' };

describe('max clients', () => {
  test('a JSON client gets a 503 envelope with Retry-After; an EventSource gets a 200 stream with an error and a retry hint', async () => {
    const h = await harness({ limits: { maxClients: 2, retryMs: 1000 } });
    const url = `${h.lan}/subscribe_events?token=${ADMIN_TOKEN}`;
    track(await openStream(url));
    track(await openStream(url));
    await until(() => h.hub.list().length === 2, 'two streams');

    const json = await request(url);
    assert.equal(json.status, 503);
    assert.deepEqual(Object.keys(json.json).sort(), ['error_code', 'message', 'success']);
    assert.equal(json.json.error_code, 'too_many_clients');
    assert.equal(json.headers['retry-after'], '5');

    const raw = track(await openStream(url, { headers: SSE }));
    await raw.waitFor(() => raw.ended, 'end of the refusal stream');
    assert.equal(raw.status, 200);
    assert.equal(raw.headers['content-type'], 'text/event-stream');
    assert.equal(raw.headers['content-length'], undefined);
    assert.equal(raw.frames.length, 1);
    assert.equal(raw.frames[0]!.json.type, 'error');
    assert.equal(raw.frames[0]!.json.error, 'too_many_clients');
    assert.equal(raw.frames[0]!.retry, 5000);

    const es = track(new RecordingEventSource(url));
    await es.waitFor((e) => e.messages.length === 1 && e.errors >= 1, 'error message then the end of the stream');
    assert.equal(es.messages[0]!.json.error, 'too_many_clients');
    assert.equal(h.hub.list().length, 2);
  });
});

describe('new streams per user/IP per window', () => {
  test('the stream after the limit gets 429 with X-RateLimit-* and Retry-After; other users are counted apart', async () => {
    const h = await harness({ streamLimit: 2, streamWindowSeconds: 60 });
    const url = `${h.lan}/subscribe_events?token=${ADMIN_TOKEN}`;
    track(await openStream(url));
    track(await openStream(url));
    const refused = await request(url);
    assert.equal(refused.status, 429);
    assert.equal(refused.json.error_code, 'rate_limit_exceeded');
    assert.equal(refused.headers['x-ratelimit-limit'], '2');
    assert.equal(refused.headers['x-ratelimit-remaining'], '0');
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.ok(Number(refused.headers['x-ratelimit-reset']) >= Math.floor(Date.now() / 1000));
    assert.deepEqual(h.observer.limited, ['stream']);
    assert.match(String(refused.json.message), new RegExp(`^Too many new streams \\(2 per 60 s for this user and address\\); retry in ${String(retryAfter)} s\\.`));

    const other = track(await openStream(`${h.lan}/subscribe_events?token=${USER_TOKEN}`));
    assert.equal(other.status, 200);

    const es = track(await openStream(url, { headers: SSE }));
    await es.waitFor(() => es.ended, 'refusal stream');
    assert.equal(es.status, 200);
    assert.equal(es.frames[0]!.json.error, 'rate_limit_exceeded');
    assert.ok(es.frames[0]!.retry! > 55_000 && es.frames[0]!.retry! <= 60_000, `retry ${es.frames[0]!.retry}`);
  });

  test('the window resets', async () => {
    const h = await harness({ streamLimit: 1, streamWindowSeconds: 0.3 });
    const url = `${h.lan}/subscribe_events?token=${ADMIN_TOKEN}`;
    track(await openStream(url));
    assert.equal((await request(url)).status, 429);
    // Not a stand-in for an acknowledgement: the time itself is under test. The window is
    // rate-limiter-flexible's RateLimiterMemory, which reads Date.now() and expires keys with its
    // own setTimeout and takes no clock, so no fake clock can move it: 0.3 s have to pass for real.
    // Waiting longer than the window only makes the test slower, never flaky.
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(track(await openStream(url)).status, 200);
  });

  test('stream_limit 0 turns the window off: one address opens as many streams as max_clients allows', async () => {
    const h = await harness({ streamLimit: 0, streamWindowSeconds: 60 });
    const url = `${h.lan}/subscribe_events?token=${ADMIN_TOKEN}`;
    for (let i = 0; i < 8; i++) assert.equal(track(await openStream(url)).status, 200);
    assert.deepEqual(h.observer.limited, []);
  });

  test('resumes (Last-Event-ID header or last_event_id) are not counted; a fresh stream still is', async () => {
    const h = await harness({ streamLimit: 1, streamWindowSeconds: 60 });
    const url = `${h.lan}/subscribe_events?token=${ADMIN_TOKEN}`;
    assert.equal(track(await openStream(url)).status, 200);
    for (let i = 0; i < 3; i++) {
      const resumed = track(await openStream(url, { headers: { 'Last-Event-ID': `${String(i + 1)}` } }));
      assert.equal(resumed.status, 200, `resume ${String(i)}`);
    }
    assert.equal(track(await openStream(`${url}&last_event_id=1`)).status, 200);
    assert.equal((await request(url)).status, 429);
    assert.deepEqual(h.observer.limited, ['stream']);
  });

  test('streams on the ingress listener with a token (standalone/demo panel) are exempt too', async () => {
    const h = await harness({ streamLimit: 1 });
    for (let i = 0; i < 3; i++) assert.equal(track(await openStream(`${h.ingress}/subscribe_events?token=${ADMIN_TOKEN}`)).status, 200, `panel stream ${String(i)}`);
    assert.equal(track(await openStream(`${h.lan}/subscribe_events?token=${ADMIN_TOKEN}`)).status, 200);
    assert.equal((await request(`${h.lan}/subscribe_events?token=${ADMIN_TOKEN}`)).status, 429);
  });

  test('ingress streams are exempt', async () => {
    const h = await harness({ streamLimit: 1, trustIngress: true, ingressAddress: '127.0.0.1' });
    for (let i = 0; i < 3; i++) {
      const s = track(await openStream(`${h.ingress}/subscribe_events`, { headers: { 'X-Remote-User-Id': 'u1' } }));
      assert.equal(s.status, 200, `ingress stream ${i}`);
    }
  });
});

describe('requests per minute per client', () => {
  test('X-RateLimit-* on every answer; over the limit a 429 envelope with Retry-After, or an error event for EventSource', async () => {
    const h = await harness({ requestsPerMinute: 3 });
    const url = `${h.lan}/subscribe_events?token=${ADMIN_TOKEN}`;
    const first = track(await openStream(url));
    assert.equal(first.headers['x-ratelimit-limit'], '3');
    assert.equal(first.headers['x-ratelimit-remaining'], '2');
    const reset = Number(first.headers['x-ratelimit-reset']);
    const nowSeconds = Date.now() / 1000;
    assert.ok(reset > nowSeconds + 55 && reset <= nowSeconds + 61, `reset ${reset}`);
    const bad = await request(`${h.lan}/subscribe_events?bogus=1`);
    assert.equal(bad.status, 400, 'requests that fail validation count too');
    assert.equal(bad.headers['x-ratelimit-remaining'], '1');
    track(await openStream(url));

    const refused = await request(url);
    assert.equal(refused.status, 429);
    assert.deepEqual(refused.json, {
      success: false,
      message: 'Too many requests, please try again later',
      error_code: 'rate_limit_exceeded',
    });
    assert.equal(refused.headers['x-ratelimit-remaining'], '0');
    assert.ok(Number(refused.headers['retry-after']) >= 55);

    const es = track(await openStream(url, { headers: SSE }));
    await es.waitFor(() => es.ended, 'refusal stream');
    assert.equal(es.frames[0]!.json.type, 'error');
    assert.equal(es.frames[0]!.json.error, 'rate_limit_exceeded');
    assert.ok(Math.abs(es.frames[0]!.retry! - (reset * 1000 - Date.now())) < 2000, 'retry points at the reset time');
    assert.deepEqual(h.observer.limited, ['request', 'request']);
  });
});

/** Publishes large events until `done()` or a bound; returns how many it published. */
async function flood(h: Harness, entity: string, done: () => boolean, max = 2000): Promise<number> {
  const big = 'x'.repeat(32 * 1024);
  let n = 0;
  while (!done() && n < max) {
    for (let i = 0; i < 20; i++, n++) h.publish({ ...stateEvent(entity, String(n)), data: { entity_id: entity, big } });
    await new Promise((r) => setImmediate(r));
  }
  return n;
}

/** The chunks of a chunked HTTP body, and whether it ended with the terminating chunk. */
function dechunk(raw: string): { chunks: string[]; ended: boolean } {
  const bytes = Buffer.from(raw, 'utf8');
  const chunks: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    const eol = bytes.indexOf('\r\n', at);
    const size = parseInt(bytes.subarray(at, eol).toString('latin1'), 16);
    if (size === 0) return { chunks, ended: true };
    chunks.push(bytes.subarray(eol + 2, eol + 2 + size).toString('utf8'));
    at = eol + 2 + size + 2;
  }
  return { chunks, ended: false };
}

describe('slow consumers', () => {
  test('a client that never reads is told slow_consumer and closed; the others keep receiving', async () => {
    const h = await harness({ limits: { slowConsumerLimitBytes: 64 * 1024, closeGraceMs: 5000 } });
    const path = `/subscribe_events?token=${ADMIN_TOKEN}&entity_id=sensor.flood`;
    const stalled = track(new StalledClient(h.lan, path));
    await until(() => h.hub.list().length === 1, 'stalled stream registered');
    const healthy = track(await openStream(`${h.lan}${path}`));
    await healthy.waitFor(() => healthy.frames.length === 1, 'connection');

    const published = await flood(h, 'sensor.flood', () => h.observer.reasons().includes('slow_consumer'));
    assert.deepEqual(h.observer.reasons(), ['slow_consumer'], `after ${published} events`);
    assert.deepEqual(h.observer.failures, [{ reason: 'slow_consumer', count: 1 }]);
    assert.ok(h.hub.backlogBytes() < 64 * 1024 + 64 * 1024, 'the backlog stays bounded by the limit plus a frame or two');

    stalled.resume();
    await until(() => stalled.closed, 'stalled socket closed', 8000);
    assert.match(stalled.text, /"error":"slow_consumer"/);
    assert.ok(stalled.text.endsWith('0\r\n\r\n'), 'the response was ended properly');
    await healthy.waitFor(() => healthy.events.length === published, 'every event on the healthy stream', 8000);
    assert.equal(healthy.ended, false);
  });

  test('at the limit the stream stops queuing events and queues the notice: a late reader gets the events up to it, the notice, the end', async () => {
    const limit = 48 * 1024;
    const h = await harness({ limits: { slowConsumerLimitBytes: limit, closeGraceMs: 10_000 } });
    const stalled = track(new StalledClient(h.lan, `/subscribe_events?token=${ADMIN_TOKEN}&entity_id=sensor.flood`));
    await until(() => h.hub.list().length === 1, 'stalled stream registered');
    const published = await flood(h, 'sensor.flood', () => h.observer.reasons().includes('slow_consumer'));
    const backlog = h.hub.list()[0]!.backlogBytes; // still listed while its last bytes wait

    stalled.resume();
    await until(() => stalled.closed, 'closed by the server once the notice is read', 8000);
    const body = dechunk(stalled.text.slice(stalled.text.indexOf('\r\n\r\n') + 4));
    assert.equal(body.ended, true, 'the response ends with the terminating chunk');
    const parser = new FrameParser();
    for (const chunk of body.chunks) parser.push(chunk);
    const frames = parser.frames;
    const notice = frames.at(-1)!;
    assert.equal(notice.json.error, 'slow_consumer');
    const events = frames.filter((f) => f.json.type === 'state_changed');
    assert.ok(events.length > 0 && events.length < published, `${events.length} of ${published} events reached the client`);
    const first = Number(events[0]!.id);
    assert.deepEqual(
      events.map((f) => Number(f.id)),
      events.map((_, i) => first + i),
      'no event is missing before the notice',
    );
    assert.equal(notice.id, events.at(-1)!.id, 'the notice carries the last event written, where a resume starts');
    // Nothing was queued past the limit: what waited was at most the limit plus the notice.
    const noticeBytes = Buffer.byteLength(body.chunks.at(-1)!) + `${Buffer.byteLength(body.chunks.at(-1)!).toString(16)}\r\n\r\n`.length;
    assert.ok(backlog <= limit + noticeBytes, `backlog ${backlog} <= ${limit} + ${noticeBytes}`);
  });

  test('a socket that does not drain for the inactivity timeout is closed as inactive', async () => {
    const clock = new FakeClock(Date.now());
    const h = await harness({
      clock,
      limits: { slowConsumerLimitBytes: 256 * 1024 * 1024, inactivityTimeoutMs: 300_000, sweepIntervalMs: 1000, closeGraceMs: 60_000 },
    });
    const client = track(new StalledClient(h.lan, `/subscribe_events?token=${ADMIN_TOKEN}`));
    await until(() => h.hub.list().length === 1, 'registered');
    const congested = () => (h.hub.list()[0]?.backlogBytes ?? 0) > 0;
    await flood(h, 'sensor.flood', congested);
    assert.ok(congested(), 'the socket is congested');
    clock.advance(299_999);
    assert.deepEqual(h.observer.reasons(), [], 'not before the timeout');
    clock.advance(1000); // the next sweep
    assert.deepEqual(h.observer.reasons(), ['inactive']);
    client.resume();
    await until(() => client.closed, 'the stream ended');
    assert.match(client.text, /"error":"inactive"/);
  });

  test('a congested socket that drains before the inactivity timeout stays open', async () => {
    const clock = new FakeClock(Date.now());
    const h = await harness({
      clock,
      limits: { slowConsumerLimitBytes: 256 * 1024 * 1024, inactivityTimeoutMs: 300_000, sweepIntervalMs: 1000 },
    });
    const client = track(new StalledClient(h.lan, `/subscribe_events?token=${ADMIN_TOKEN}`));
    await until(() => h.hub.list().length === 1, 'registered');
    const congested = () => (h.hub.list()[0]?.backlogBytes ?? 0) > 0;
    await flood(h, 'sensor.flood', congested);
    assert.ok(congested(), 'the socket is congested');
    clock.advance(200_000);
    client.resume();
    await until(() => !congested(), 'drained');
    clock.advance(600_000);
    assert.deepEqual(h.observer.reasons(), []);
    assert.equal(h.hub.list().length, 1);
  });
});

describe('max connection age', () => {
  test('an old stream is told max_connection_age with a jittered retry hint and closed', async () => {
    const clock = new FakeClock(Date.now());
    const h = await harness({
      clock,
      limits: { maxConnectionAgeMs: 600_000, sweepIntervalMs: 1000, retryMs: 1000, retryJitterMs: 4000 },
      random: () => 0.25,
    });
    const s = track(await openStream(`${h.lan}/subscribe_events?token=${ADMIN_TOKEN}`));
    await until(() => h.hub.list().length === 1, 'registered');
    // The deadline is spread by up to 10 % of the age: 600 s − 0.25 × 60 s = 585 s.
    clock.advance(584_999);
    assert.deepEqual(h.observer.reasons(), [], 'not before its deadline');
    clock.advance(1000);
    assert.deepEqual(h.observer.reasons(), ['max_age']);
    await s.waitFor(() => s.ended, 'end', 3000);
    const last = s.frames.at(-1)!;
    assert.equal(last.json.error, 'max_connection_age');
    assert.equal(last.retry, 2000, 'retryMs + 0.25 × jitter');
    assert.deepEqual(h.observer.reasons(), ['max_age']);
  });
});
