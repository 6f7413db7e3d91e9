/**
 * The HTTP side of a stream: once `/subscribe_events` has written the headers, the response's
 * socket is taken away from Node's HTTP server and Koa (`takeOverSocket` in `listeners.ts`) and
 * wrapped in an {@link SseSocketStream}, the {@link StreamSink} the hub writes SSE frames to. The
 * adapter adds HTTP/1.1 chunked transfer coding when the response uses it and ends the response
 * with the terminating chunk; the hub itself knows neither.
 *
 * Fan-out stays encode-once: the hub writes the same frame Buffer to every stream in turn, so the
 * chunk of the frame last seen is kept and reused for as long as the same Buffer keeps coming.
 * An idle stream costs no closures: one pair of socket listeners serves every stream, finding its
 * adapter on the socket.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { SinkListener, StreamSink } from '../hub/sink.ts';
import { GzipMember } from './gzip-member.ts';
import { takeOverSocket } from './listeners.ts';

/** The terminating chunk of a chunked response. */
export const CHUNKED_END: Buffer = Buffer.from('0\r\n\r\n', 'latin1');

let lastFrame: Buffer | undefined;
let lastChunk: Buffer | undefined;

/**
 * `bytes` as one HTTP/1.1 chunk (`<hex length>\r\n<bytes>\r\n`). The last result is reused when
 * the same Buffer comes again (the hub never changes a frame it wrote), so a fan-out to many
 * chunked streams encodes the chunk once.
 */
export function toChunk(bytes: Buffer): Buffer {
  if (bytes === lastFrame) return lastChunk!;
  const prefix = `${bytes.length.toString(16)}\r\n`;
  const chunk = Buffer.allocUnsafe(prefix.length + bytes.length + 2);
  chunk.write(prefix, 0, 'latin1');
  bytes.copy(chunk, prefix.length);
  chunk.write('\r\n', prefix.length + bytes.length, 'latin1');
  lastFrame = bytes;
  lastChunk = chunk;
  return chunk;
}

/** Where a socket keeps its adapter, so the shared listeners below find it. */
const STREAMS = new WeakMap<Socket, SseSocketStream>();

function onDrain(this: Socket): void {
  STREAMS.get(this)?.listener?.sinkDrained();
}

function onClose(this: Socket): void {
  STREAMS.get(this)?.listener?.sinkClosed();
}

// 'close' follows every socket error; the HTTP server logs nothing for them either.
function ignore(): void {}

/** A stream's socket as a {@link StreamSink}, with or without chunked transfer coding and gzip. */
export class SseSocketStream implements StreamSink {
  listener: SinkListener | undefined;
  /** Present when the response is `Content-Encoding: gzip` (`gzip-member.ts`). */
  readonly gzip: GzipMember | undefined;

  constructor(
    readonly socket: Socket,
    /** True when the response uses chunked transfer coding (HTTP/1.1); frames are then written as chunks. */
    readonly chunked: boolean,
    gzip = false,
  ) {
    this.gzip = gzip ? new GzipMember() : undefined;
  }

  listen(listener: SinkListener): void {
    if (this.listener) throw new Error('a stream sink takes one listener');
    this.listener = listener;
    STREAMS.set(this.socket, this);
    this.socket.on('drain', onDrain);
    this.socket.on('close', onClose);
    this.socket.on('error', ignore);
  }

  write(bytes: Buffer): boolean {
    if (!this.gzip) return this.#send(bytes);
    const parts = this.gzip.encode(bytes);
    return this.#send(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  #send(bytes: Buffer): boolean {
    return this.socket.write(this.chunked ? toChunk(bytes) : bytes);
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  end(): void {
    if (this.socket.destroyed) return;
    if (this.gzip) this.#send(this.gzip.end());
    if (this.chunked) this.socket.write(CHUNKED_END);
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  get needsDrain(): boolean {
    return this.socket.writableNeedDrain;
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }
}

/**
 * Answers `res` with a 200 and `headers`, takes its socket over and returns the stream the hub
 * writes to. After this the request, the response and Koa's context are garbage.
 */
export function startSseStream(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  headers: http.OutgoingHttpHeaders,
  gzip = false,
): SseSocketStream {
  res.writeHead(200, headers);
  res.flushHeaders();
  const chunked = res.chunkedEncoding;
  const socket = takeOverSocket(req, res);
  socket.setNoDelay(true); // frames are small and latency matters; Nagle would hold them back
  socket.setTimeout(0);
  return new SseSocketStream(socket, chunked, gzip);
}
