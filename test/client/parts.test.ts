/**
 * The client's pure parts alone: the SSE parser (chunk boundaries anywhere, CRLF split across
 * chunks, ids per frame), the backoff formula, the state cache's expiry and size cap, metrics.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconnectDelay, retryAfterMs } from '../../src/web/client/backoff.ts';
import { connect } from '../../src/web/client/client.ts';
import { type FetchLike, fetchStream } from '../../src/web/client/stream.ts';
import { MetricsRecorder } from '../../src/web/client/metrics.ts';
import { type SseFrame, SseParser } from '../../src/web/client/sse-parser.ts';
import { StateCache } from '../../src/web/client/state-cache.ts';
import type { EntityState, StorageLike } from '../../src/web/client/types.ts';
import { until } from '../until.ts';
import { FakeClock } from '../fake-clock.ts';

function parse(chunks: string[]): { frames: SseFrame[]; retries: number[] } {
  const frames: SseFrame[] = [];
  const retries: number[] = [];
  const parser = new SseParser({ frame: (f) => frames.push(f), retry: (ms) => retries.push(ms) });
  for (const chunk of chunks) parser.feed(chunk);
  return { frames, retries };
}

describe('SseParser', () => {
  const text = '\uFEFFretry: 3000\nid: 7\ndata: {"a":1}\n\n: comment\r\ndata: x\r\ndata: y\r\n\r\nid: 8\ndata:z\n\nretry: soon\ndata: last\n\n';
  const expected = {
    frames: [
      { data: '{"a":1}', id: '7', event: undefined },
      { data: 'x\ny', id: undefined, event: undefined },
      { data: 'z', id: '8', event: undefined },
      { data: 'last', id: undefined, event: undefined },
    ],
    retries: [3000],
  };

  it('reads frames, per-frame ids, comments, multi-line data and retry', () => {
    assert.deepEqual(parse([text]), expected);
  });

  it('gives the same result however the text is split (CRLF across chunks included)', () => {
    for (let cut = 1; cut < text.length; cut++) {
      assert.deepEqual(parse([text.slice(0, cut), text.slice(cut)]), expected, `cut at ${cut}`);
    }
    assert.deepEqual(parse([...text]), expected, 'one character at a time');
  });

  it('drops a partial frame on reset', () => {
    const frames: SseFrame[] = [];
    const parser = new SseParser({ frame: (f) => frames.push(f), retry: () => {} });
    parser.feed('id: 1\ndata: half');
    parser.reset();
    parser.feed('data: whole\n\n');
    assert.deepEqual(frames, [{ data: 'whole', id: undefined, event: undefined }]);
  });
});

describe('reconnectDelay', () => {
  it('is full jitter under an exponential ceiling with a cap, never below the hint', () => {
    const opts = { baseMs: 1000, capMs: 30_000 };
    assert.equal(reconnectDelay(0, 0, () => 0.5, opts), 500);
    assert.equal(reconnectDelay(3, 0, () => 0.5, opts), 4000);
    assert.equal(reconnectDelay(20, 0, () => 0.999999, opts), 29_999, 'capped');
    assert.equal(reconnectDelay(0, 3000, () => 0.5, opts), 3000, 'the hint is a floor');
    assert.equal(reconnectDelay(10, 3000, () => 0.5, opts), 15_000, 'backoff above the hint');
    assert.equal(reconnectDelay(1, 60_000, () => 0.999, opts), 60_000, 'a hint may exceed the cap');
  });

  it('parses Retry-After seconds and dates', () => {
    assert.equal(retryAfterMs('42', 0), 42_000);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4000), 6000);
    assert.equal(retryAfterMs('soon', 0), undefined);
    assert.equal(retryAfterMs(null, 0), undefined);
  });
});

class MapStorage implements StorageLike {
  readonly map = new Map<string, string>();
  getItem = (key: string) => this.map.get(key) ?? null;
  setItem = (key: string, value: string) => void this.map.set(key, value);
  removeItem = (key: string) => void this.map.delete(key);
}

const state = (id: string, value: string, updated: string): EntityState => ({
  entity_id: id,
  state: value,
  attributes: {},
  last_changed: updated,
  last_updated: updated,
});

describe('StateCache', () => {
  it('persists states and the resume point (debounced), restores them, and expires them', () => {
    let now = 1_000_000;
    const storage = new MapStorage();
    const timers = new FakeClock(0);
    const cache = new StateCache({ key: 'k', storage, ttlMs: 60_000, saveDelayMs: 100 }, timers, () => now);
    cache.apply(state('light.a', 'on', '2026-01-01T00:00:00Z'));
    cache.lastEventId = '41';
    assert.equal(storage.map.size, 0, 'debounced');
    assert.deepEqual(timers.requested, [100], 'one write scheduled for both changes');
    timers.fireAll();
    const restored = new StateCache({ key: 'k', storage, ttlMs: 60_000 }, timers, () => now);
    assert.equal(restored.load(), true);
    assert.equal(restored.get('light.a')?.state, 'on');
    assert.equal(restored.lastEventId, '41');
    now += 60_001;
    const late = new StateCache({ key: 'k', storage, ttlMs: 60_000 }, timers, () => now);
    assert.equal(late.load(), false, 'expired');
    assert.equal(storage.map.size, 0, 'and removed');
  });

  it('keeps the most recently updated states within the size cap; null removes', () => {
    const storage = new MapStorage();
    const timers = new FakeClock(0);
    const cache = new StateCache({ key: 'k', storage, maxBytes: 2000 }, timers, () => 0);
    for (let i = 0; i < 50; i++) cache.apply(state(`sensor.s${String(i).padStart(2, '0')}`, 'x'.repeat(20), `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`));
    cache.apply({ ...state('sensor.s00', 'x', '2026-01-01T00:00:00Z'), state: null });
    cache.flush();
    const text = storage.map.get('k')!;
    assert.ok(text.length <= 2000, `${text.length} characters`);
    const kept = (JSON.parse(text) as { states: EntityState[] }).states.map((s) => s.entity_id);
    assert.ok(kept.length > 5 && kept.length < 49);
    assert.ok(kept.includes('sensor.s49') && !kept.includes('sensor.s01'), 'the newest stay');
    assert.equal(cache.size, 49, 'memory keeps everything but the removed one');
  });
});

describe('fetchStream refusals', () => {
  const refusal = (status: number, body: string, headers: Record<string, string> = {}) =>
    fetchStream(
      async () => new Response(body, { status, headers }) as unknown as Awaited<ReturnType<FetchLike>>,
      { url: new URL('http://hub.local/subscribe_events'), signal: new AbortController().signal, now: () => 0 },
      { opened: () => assert.fail('not opened'), frame: () => {}, retry: () => {} },
    );

  it('reads the envelope, Retry-After, or retry_after from the body', async () => {
    assert.deepEqual(await refusal(429, '{"success":false,"message":"slow down","error_code":"rate_limit_exceeded"}', { 'Retry-After': '12' }), {
      kind: 'refused',
      status: 429,
      code: 'rate_limit_exceeded',
      message: 'slow down',
      retryAfterMs: 12_000,
    });
    assert.deepEqual(await refusal(429, '{"success":false,"message":"m","error_code":"c","retry_after":7}'), {
      kind: 'refused',
      status: 429,
      code: 'c',
      message: 'm',
      retryAfterMs: 7000,
    });
    assert.deepEqual(await refusal(502, '<html>bad gateway</html>'), { kind: 'refused', status: 502, code: 'http_502', message: 'The hub answered 502' });
  });
});

describe('SseClient attempts', () => {
  it('asks the token function on every attempt and backs off exponentially with jitter while refused', async () => {
    const timers = new FakeClock(0);
    const seen: (string | undefined)[] = [];
    let n = 0;
    const fetch: FetchLike = async (_url, init) => {
      seen.push(init.headers.Authorization);
      return new Response('{"success":false,"message":"down","error_code":"upstream_unavailable"}', { status: 503 }) as unknown as Awaited<
        ReturnType<FetchLike>
      >;
    };
    const client = connect({
      url: 'http://hub.local',
      token: () => `token-${++n}`,
      cache: false,
      timers,
      fetch,
      random: () => 0.5,
      idleTimeoutMs: 0,
      backoff: { baseMs: 100, capMs: 1000 },
    });
    const delays: number[] = [];
    client.on('reconnecting', (w) => delays.push(w.delayMs));
    for (let i = 1; i <= 6; i++) {
      await until(() => delays.length === i, `attempt ${i}`);
      timers.fireAll();
    }
    client.close();
    assert.deepEqual(delays, [50, 100, 200, 400, 500, 500], 'half of min(cap, base·2^attempt)');
    assert.deepEqual(seen.slice(0, 3), ['Bearer token-1', 'Bearer token-2', 'Bearer token-3']);
    assert.equal(client.metrics.lastError?.code, 'upstream_unavailable');
  });
});

describe('SseClient.close', () => {
  it('leaves no timer behind, even while a request hangs', () => {
    const timers = new FakeClock(0);
    const client = connect({ url: 'http://127.0.0.1:1', cache: false, timers, fetch: () => new Promise(() => {}) });
    assert.deepEqual(timers.pendingDelays(), [75_000], 'the stall watchdog of the attempt');
    const closed: unknown[] = [];
    client.on('closed', (c) => closed.push(c));
    client.close();
    assert.equal(timers.pending, 0);
    assert.equal(client.status, 'closed');
    assert.deepEqual(closed, [{}]);
  });
});

describe('MetricsRecorder', () => {
  it('measures connection time, connected share, reconnects and inter-message delay', () => {
    let now = 0;
    const m = new MetricsRecorder(() => now);
    m.attempt();
    now = 50;
    m.opened();
    m.message();
    now = 150;
    m.message();
    now = 250;
    m.message();
    now = 450;
    m.dropped();
    m.error('network_error', 'refused');
    now = 550;
    m.attempt();
    now = 600;
    m.opened();
    now = 1000;
    assert.deepEqual(m.snapshot(), {
      connectionTimeMs: 50,
      connectedMs: 400 + 400,
      reconnects: 1,
      messagesReceived: 3,
      averageInterMessageMs: 100,
      stability: 0.8,
      lastError: { code: 'network_error', message: 'refused', at: 450 },
    });
  });
});
