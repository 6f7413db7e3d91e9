/**
 * The stream adapter between the hub and a socket: chunked transfer coding (encoded once per
 * frame across a fan-out), the terminating chunk, and the sink's drain and close signals, on real
 * loopback sockets.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { constants, inflateRawSync } from 'node:zlib';
import { CHUNKED_END, SseSocketStream } from '../../src/http/sse-stream.ts';
import { StreamEncoder } from '../../src/http/stream-encoder.ts';
import type { SinkListener } from '../../src/hub/sink.ts';
import { until } from '../until.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A connected pair: the server end (for the adapter) and a client end that records what it reads. */
async function pair(): Promise<{ server: net.Socket; client: net.Socket; text: () => string; ended: () => boolean }> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  const server = await accepted;
  listener.close();
  let text = '';
  let ended = false;
  client.setEncoding('utf8');
  client.on('data', (chunk: string) => (text += chunk));
  client.on('end', () => (ended = true));
  client.on('error', () => {});
  cleanups.push(() => {
    client.destroy();
    server.destroy();
  });
  return { server, client, text: () => text, ended: () => ended };
}

class Recorder implements SinkListener {
  drains = 0;
  closes = 0;
  sinkDrained(): void {
    this.drains++;
  }
  sinkClosed(): void {
    this.closes++;
  }
}

describe('StreamEncoder.chunk', () => {
  test('wraps the bytes as one HTTP chunk with their byte length in hex', () => {
    const frame = Buffer.from('data: "é"\n\n'); // é is two bytes
    assert.equal(new StreamEncoder().chunk(frame).toString('utf8'), `${frame.length.toString(16)}\r\n${frame.toString('utf8')}\r\n`);
  });

  test('the same Buffer again gets the same chunk (one encoding per fan-out); another Buffer its own', () => {
    const encoder = new StreamEncoder();
    const frame = Buffer.from('data: 1\n\n');
    const first = encoder.chunk(frame);
    assert.equal(encoder.chunk(frame), first);
    const other = Buffer.from('data: 1\n\n');
    assert.notEqual(encoder.chunk(other), first);
    assert.deepEqual(encoder.chunk(other), first);
  });

  test('encoders share nothing: a fresh one encodes the same Buffer anew', () => {
    const frame = Buffer.from('data: 2\n\n');
    const first = new StreamEncoder().chunk(frame);
    const second = new StreamEncoder().chunk(frame);
    assert.notEqual(second, first);
    assert.deepEqual(second, first);
  });

  test('the end marker is the zero-length chunk', () => {
    assert.equal(CHUNKED_END.toString(), '0\r\n\r\n');
  });
});

describe('StreamEncoder.deflate', () => {
  test('sync-flushed DEFLATE blocks that inflate back to the frame, once per Buffer', () => {
    const encoder = new StreamEncoder();
    const frame = Buffer.from('data: {"type":"batch"}\n\n');
    const blocks = encoder.deflate(frame);
    assert.deepEqual(blocks.subarray(-4), Buffer.from([0, 0, 0xff, 0xff]), 'ends with the sync-flush marker');
    assert.deepEqual(inflateRawSync(blocks, { finishFlush: constants.Z_SYNC_FLUSH }), frame);
    assert.equal(encoder.deflate(frame), blocks);
    const copy = Buffer.from(frame);
    assert.notEqual(encoder.deflate(copy), blocks);
    assert.notEqual(new StreamEncoder().deflate(frame), blocks);
  });
});

describe('SseSocketStream', () => {
  test('chunked: frames go out as chunks and end() sends the terminating chunk and a FIN', async () => {
    const { server, text, ended } = await pair();
    const sink = new SseSocketStream(server, new StreamEncoder(), true);
    const recorder = new Recorder();
    sink.listen(recorder);
    assert.equal(sink.write(Buffer.from('data: a\n\n')), true);
    sink.end();
    await until(() => ended(), 'the end of the stream');
    assert.equal(text(), '9\r\ndata: a\n\n\r\n0\r\n\r\n');
    await until(() => recorder.closes === 1, 'close reported');
    assert.equal(sink.closed, true);
    assert.equal(sink.bufferedBytes, 0);
  });

  test('without chunked coding the frames go out bare', async () => {
    const { server, text, ended } = await pair();
    const sink = new SseSocketStream(server, new StreamEncoder(), false);
    sink.listen(new Recorder());
    sink.write(Buffer.from('data: a\n\n'));
    sink.end();
    await until(() => ended(), 'the end of the stream');
    assert.equal(text(), 'data: a\n\n');
  });

  test('a client that does not read makes write() return false; the drain is reported once it reads', async () => {
    const { server, client } = await pair();
    client.pause();
    const sink = new SseSocketStream(server, new StreamEncoder(), true);
    const recorder = new Recorder();
    sink.listen(recorder);
    const big = Buffer.alloc(256 * 1024, 'x');
    let writes = 0;
    while (sink.write(big) && writes < 400) writes++;
    assert.equal(sink.needsDrain, true);
    assert.ok(sink.bufferedBytes > 0);
    client.resume();
    await until(() => recorder.drains === 1, 'drain reported', 10_000);
    assert.equal(sink.needsDrain, false);
  });

  test('the client leaving is reported as a close, once', async () => {
    const { server, client } = await pair();
    const sink = new SseSocketStream(server, new StreamEncoder(), true);
    const recorder = new Recorder();
    sink.listen(recorder);
    client.destroy();
    await until(() => recorder.closes === 1, 'close reported');
    assert.equal(sink.closed, true);
    assert.throws(() => sink.listen(new Recorder()), /one listener/);
  });
});
