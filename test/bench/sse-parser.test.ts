/**
 * The comparison's load client reads responses byte by byte (bench/compare/sse-parser.ts): plain,
 * chunked, and chunked gzip with batch frames, split at every awkward place. Deliveries must come
 * out exactly once each, with the new state's `n` and `t` (not old_state's) and the frame's id.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { ResponseParser, idAt, scanFrames } from '../../bench/compare/sse-parser.ts';

interface Got {
  n: number;
  t: number;
  id: string | null;
}

/** A product state_changed payload as the hub writes it: new attributes first, then old_state's. */
function stateChanged(n: number, t: number): object {
  return {
    type: 'state_changed',
    data: {
      entity_id: `sensor.bench_${n % 100}`,
      state: String(n),
      attributes: { t, n },
      last_changed: '2026-11-28T19:00:00.000Z',
      last_updated: '2026-11-28T19:00:00.000Z',
      old_state: { entity_id: `sensor.bench_${n % 100}`, state: String(n - 100), attributes: { t: t - 5000, n: n - 100 } },
    },
    timestamp: '2026-11-28T19:00:00.000Z',
  };
}

const frame = (id: string, payload: object) => `id: ${id}\ndata: ${JSON.stringify(payload)}\n\n`;
const batch = (id: string, ns: number[]) =>
  frame(id, { type: 'batch', count: ns.length, messages: ns.map((n) => stateChanged(n, 1000 + n)), timestamp: '2026-11-28T19:00:00.100Z' });

function chunk(body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')]);
}

function head(extra: string): Buffer {
  return Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n${extra}\r\n`);
}

/** Feeds `bytes` in pieces of `size` bytes; resolves with the deliveries once `count` arrived (bounded wait). */
async function read(bytes: Buffer, size: number, count: number): Promise<{ got: Got[]; status: number; gzip: boolean }> {
  const got: Got[] = [];
  let status = 0;
  let gzip = false;
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  const parser = new ResponseParser(
    (h) => {
      status = h.status;
      gzip = h.gzip;
      return true;
    },
    (n, t, text, at) => {
      got.push({ n, t, id: at >= 0 ? idAt(text, at) : null });
      if (got.length === count) done();
    },
  );
  if (count === 0) done();
  for (let i = 0; i < bytes.length; i += size) parser.push(bytes.subarray(i, i + size));
  const timer = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref());
  await Promise.race([all, timer]);
  parser.close();
  return { got, status, gzip };
}

/** A gzip stream written one flushed piece at a time, as the product writes a batched stream. */
function gzipWriter(): { gz: zlib.Gzip; flushed: (text: string) => Promise<Buffer> } {
  const gz = zlib.createGzip();
  const parts: Buffer[] = [];
  gz.on('data', (b: Buffer) => parts.push(b));
  const flushed = async (text: string) => {
    const from = parts.length;
    gz.write(text);
    await new Promise<void>((resolve) => gz.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    return Buffer.concat(parts.slice(from));
  };
  return { gz, flushed };
}

describe('bench load client: reading SSE responses', () => {
  it('counts the first "n" of a state_changed frame (the new state, not old_state) and its id', () => {
    const got: Got[] = [];
    const text = `: comment\n\n${frame('7', { type: 'connection', status: 'connected' })}${frame('8', stateChanged(42, 1234.5))}id: 9\ndata: {"type":"st`;
    const used = scanFrames(text, (n, t, s, at) => got.push({ n, t, id: at >= 0 ? idAt(s, at) : null }));
    assert.deepEqual(got, [{ n: 42, t: 1234.5, id: '8' }]);
    assert.equal(text.slice(used), 'id: 9\ndata: {"type":"st');
  });

  it('counts every message of a batch frame, each with its own n and t; only the last carries the id', () => {
    const got: Got[] = [];
    scanFrames(batch('20', [11, 12, 13]), (n, t, s, at) => got.push({ n, t, id: at >= 0 ? idAt(s, at) : null }));
    assert.deepEqual(got, [
      { n: 11, t: 1011, id: null },
      { n: 12, t: 1012, id: null },
      { n: 13, t: 1013, id: '20' },
    ]);
  });

  it('reads a plain (identity) body split one byte at a time', async () => {
    const body = Buffer.from(frame('1', stateChanged(1, 1001)) + frame('2', stateChanged(2, 1002)));
    const r = await read(Buffer.concat([head(''), body]), 1, 2);
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.got.map((g) => [g.n, g.id]),
      [
        [1, '1'],
        [2, '2'],
      ],
    );
  });

  it('de-chunks a chunked body whose chunks split frames, at every split size', async () => {
    const text = frame('1', stateChanged(1, 1001)) + batch('3', [2, 3]) + frame('4', stateChanged(4, 1004));
    // Chunks of 50 bytes that cut through frames, sizes and the CRLFs.
    const body = Buffer.from(text);
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += 50) chunks.push(chunk(body.subarray(i, i + 50)));
    const wire = Buffer.concat([head('Transfer-Encoding: chunked\r\n'), ...chunks]);
    for (const size of [1, 3, 7, 64, wire.length]) {
      const r = await read(wire, size, 4);
      assert.deepEqual(
        r.got.map((g) => g.n),
        [1, 2, 3, 4],
        `split size ${size}`,
      );
    }
  });

  it('de-chunks and inflates a gzip body flushed per batch (Z_SYNC_FLUSH), split at every size', async () => {
    const { flushed, gz } = gzipWriter();
    // One HTTP chunk per flushed batch, as a server writes them.
    const first = await flushed(batch('10', [1, 2, 3]));
    const second = await flushed(batch('12', [4, 5]));
    gz.end();
    const wire = Buffer.concat([head('Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n'), chunk(first), chunk(second)]);
    for (const size of [1, 5, wire.length]) {
      const r = await read(wire, size, 5);
      assert.equal(r.gzip, true);
      assert.deepEqual(
        r.got.map((g) => [g.n, g.t, g.id]),
        [
          [1, 1001, null],
          [2, 1002, null],
          [3, 1003, '10'],
          [4, 1004, null],
          [5, 1005, '12'],
        ],
        `split size ${size}`,
      );
    }
  });

  it('dates each delivery by the read that completed it, for gzip the read of its compressed bytes, not the inflate', async () => {
    const { flushed, gz } = gzipWriter();
    const first = await flushed(batch('10', [1, 2]));
    const second = await flushed(batch('11', [3]));
    gz.end();
    let clock = 0;
    const got: [number, number][] = [];
    let wake: () => void = () => undefined;
    const parser = new ResponseParser(
      () => true,
      (n, _t, _text, _at, readAt) => {
        got.push([n, readAt]);
        wake();
      },
      () => undefined,
      () => clock,
    );
    const until = (count: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${got.length} deliveries`)), 5000);
        wake = () => {
          if (got.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        };
      });
    parser.push(head('Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n'));
    clock = 7;
    let arrived = until(2);
    parser.push(chunk(first));
    clock = 50; // inflating happens later, on zlib's thread pool
    await arrived;
    clock = 9;
    arrived = until(3);
    parser.push(chunk(second));
    clock = 60;
    await arrived;
    parser.close();
    assert.deepEqual(got, [
      [1, 7],
      [2, 7],
      [3, 9],
    ]);

    // Plain: a frame split over two reads is dated by the second.
    const plain: [number, number][] = [];
    const reader = new ResponseParser(
      () => true,
      (n, _t, _text, _at, readAt) => plain.push([n, readAt]),
      () => undefined,
      () => clock,
    );
    const text = Buffer.from(frame('1', stateChanged(5, 1005)));
    reader.push(head(''));
    clock = 1;
    reader.push(text.subarray(0, 40));
    clock = 2;
    reader.push(text.subarray(40));
    assert.deepEqual(plain, [[5, 2]]);
  });

  it('gives the status of a refused stream and reads nothing from it', async () => {
    const wire = Buffer.from('HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n\r\n{"success":false,"n":1}\n\n');
    const got: number[] = [];
    let status = 0;
    const parser = new ResponseParser(
      (h) => {
        status = h.status;
        return false;
      },
      (n) => got.push(n),
    );
    parser.push(wire);
    parser.push(Buffer.from('data: {"n":2}\n\n'));
    assert.equal(status, 429);
    assert.deepEqual(got, []);
  });
});
