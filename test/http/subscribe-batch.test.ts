/**
 * `batch=<ms>` over real HTTP (DOCS.md): batch frames to an EventSource, and `Content-Encoding:
 * gzip` for batching streams whose client accepts it: decodable as each batch arrives, and a whole,
 * valid gzip member (CRC and length) once the stream ends.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { type Frame, FrameParser } from '../sse-frames.ts';
import { ADMIN_TOKEN, type Harness, RecordingEventSource, openStream, startHarness, stateEvent } from './subscribe-harness.ts';
import { until } from '../until.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ limits: { retryMs: 300 } });
});
after(async () => {
  await h.stop();
});

const url = (query: string) => `${h.lan}/subscribe_events?token=${ADMIN_TOKEN}&${query}`;
type Batch = { type: 'batch'; count: number; messages: { type: string; data: { entity_id: string; state: string } }[] };

/** A raw GET that keeps the wire bytes (after the chunked coding) and inflates them as they come. */
class GzipStream {
  readonly parser = new FrameParser();
  readonly wire: Buffer[] = [];
  headers: http.IncomingHttpHeaders = {};
  ended = false;
  readonly #req: http.ClientRequest;

  constructor(target: string, headers: Record<string, string>) {
    this.#req = http.get(target, { headers, agent: false }, (res) => {
      this.headers = res.headers;
      const inflate = zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
      inflate.setEncoding('utf8');
      inflate.on('data', (text: string) => this.parser.push(text));
      res.on('data', (chunk: Buffer) => {
        this.wire.push(chunk);
        inflate.write(chunk);
      });
      // Ended once zlib (on its thread pool) has inflated the last chunk too, not when the socket ends.
      inflate.on('end', () => (this.ended = true));
      res.on('end', () => inflate.end());
    });
    this.#req.on('error', () => {});
  }

  get frames(): Frame[] {
    return this.parser.frames;
  }

  close(): void {
    this.#req.destroy();
  }
}

describe('batch=<ms>', () => {
  test('an EventSource gets each window as one batch frame whose messages are the unbatched payloads', async () => {
    const plain = new RecordingEventSource(url('entity_id=light.b1'));
    const batched = new RecordingEventSource(url('entity_id=light.b1&batch=200'));
    try {
      await plain.waitFor((es) => es.ofType('connection').length === 1, 'plain connected');
      await batched.waitFor((es) => es.ofType('connection').length === 1, 'batched connected');
      const last = ['on', 'off', 'on'].map((state) => h.publish(stateEvent('light.b1', state))).at(-1)!;
      await batched.waitFor((es) => es.ofType('batch').length === 1, 'the batch');
      await plain.waitFor((es) => es.ofType('state_changed').length === 3, 'the plain events');
      const [frame] = batched.ofType('batch');
      const batch = frame!.json as unknown as Batch;
      assert.equal(batch.count, 3);
      assert.equal(frame!.id, last.id, 'lastEventId is the last event of the batch');
      assert.deepEqual(batch.messages, plain.ofType('state_changed').map((m) => m.json));
    } finally {
      plain.close();
      batched.close();
    }
  });

  test('with Accept-Encoding: gzip a batching stream is gzip, decodable batch by batch and whole at the end', async () => {
    const s = new GzipStream(url('entity_id=light.g1&batch=50'), { Accept: 'text/event-stream', 'Accept-Encoding': 'gzip, deflate' });
    try {
      await until(() => s.frames.length === 1, 'the connection frame, inflated at once');
      assert.equal(s.headers['content-encoding'], 'gzip');
      assert.match(String(s.headers.vary), /Accept-Encoding/);
      assert.equal(s.frames[0]!.json.type, 'connection');
      const id = String(s.frames[0]!.json.id);
      for (const state of ['1', '2']) h.publish(stateEvent('light.g1', state));
      await until(() => s.frames.some((f) => f.json.type === 'batch'), 'the first batch');
      h.publish(stateEvent('light.g1', '3'));
      await until(() => s.frames.filter((f) => f.json.type === 'batch').length === 2, 'the second batch');
      const states = s.frames.filter((f) => f.json.type === 'batch').flatMap((f) => (f.json as unknown as Batch).messages.map((m) => m.data.state));
      assert.deepEqual(states, ['1', '2', '3']);

      assert.equal(h.hub.close(id, 'max_age'), true); // a close with a notice: the last frame is compressed too
      await until(() => s.ended, 'the end of the stream');
      // gunzipSync checks the trailer: the CRC-32 and the length of everything the stream carried.
      const text = zlib.gunzipSync(Buffer.concat(s.wire)).toString('utf8');
      const whole = new FrameParser();
      whole.push(text);
      assert.deepEqual(whole.frames.map((f) => f.json.type), ['connection', 'batch', 'batch', 'error']);
      assert.deepEqual(s.frames.map((f) => f.json.type), ['connection', 'batch', 'batch', 'error'], 'the last frame inflated as it came too');
      assert.equal(whole.frames.at(-1)!.json.error, 'max_connection_age');
    } finally {
      s.close();
    }
  });

  test('no gzip without batch, without Accept-Encoding, or when gzip is refused', async () => {
    const cases: [string, Record<string, string>][] = [
      ['entity_id=light.n1', { 'Accept-Encoding': 'gzip' }],
      ['entity_id=light.n1&batch=50', {}],
      ['entity_id=light.n1&batch=50', { 'Accept-Encoding': 'gzip;q=0, identity' }],
      ['entity_id=light.n1&batch=0', { 'Accept-Encoding': 'gzip' }],
    ];
    for (const [query, headers] of cases) {
      const s = await openStream(url(query), { headers });
      try {
        assert.equal(s.headers['content-encoding'], undefined, `${query} ${JSON.stringify(headers)}`);
        await s.waitFor(() => s.frames.length === 1, 'the plain connection frame');
        assert.equal(s.frames[0]!.json.type, 'connection');
      } finally {
        s.close();
      }
    }
  });
});
