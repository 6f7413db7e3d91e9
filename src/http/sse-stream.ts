/**
 * The HTTP side of a stream: once `/subscribe_events` has written the headers, the response's
 * socket is taken away from Node's HTTP server and Koa (`takeOverSocket` in `listeners.ts`) and
 * wrapped in an {@link SseSocketStream}, the {@link StreamSink} the hub writes SSE frames to. The
 * adapter adds HTTP/1.1 chunked transfer coding when the response uses it and ends the response
 * with the terminating chunk; the hub itself knows neither.
 *
 * Fan-out stays encode-once: the chunk and the DEFLATE blocks of a frame come from the app's one
 * {@link StreamEncoder}, which encodes the same Buffer once for every stream it goes to.
 * An idle stream costs no closures: one pair of socket listeners serves every stream, finding its
 * adapter on the socket.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { SinkListener, StreamSink } from '../hub/sink.ts';
import { GzipMember } from './gzip-member.ts';
import { takeOverSocket } from './listeners.ts';
import type { StreamEncoder } from './stream-encoder.ts';

/** The terminating chunk of a chunked response. */
export const CHUNKED_END: Buffer = Buffer.from('0\r\n\r\n', 'latin1');

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
    /** The app's shared encoder (chunks, DEFLATE blocks). */
    readonly encoder: StreamEncoder,
    /** True when the response uses chunked transfer coding (HTTP/1.1); frames are then written as chunks. */
    readonly chunked: boolean,
    gzip = false,
  ) {
    this.gzip = gzip ? new GzipMember(encoder) : undefined;
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
    return this.socket.write(this.chunked ? this.encoder.chunk(bytes) : bytes);
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
  encoder: StreamEncoder,
  gzip = false,
): SseSocketStream {
  res.writeHead(200, headers);
  res.flushHeaders();
  const chunked = res.chunkedEncoding;
  const socket = takeOverSocket(req, res);
  socket.setNoDelay(true); // frames are small and latency matters; Nagle would hold them back
  socket.setTimeout(0);
  return new SseSocketStream(socket, encoder, chunked, gzip);
}
