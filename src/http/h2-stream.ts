/**
 * The HTTP/2 side of a stream (the TLS port, docs/decisions.md §12): the {@link StreamSink} the
 * hub writes SSE frames to is the request's own `Http2Stream`. HTTP/2 frames the data itself (no
 * chunked coding), so each SSE frame is written as it is, gzip-encoded for `batch` streams that
 * accept it (`gzip-member.ts`), exactly as `sse-stream.ts` does for HTTP/1.1.
 *
 * Backpressure is the stream's own: `write()` returns false past its high-water mark and 'drain'
 * follows; bytes the peer's flow-control window does not admit yet stay in the stream's buffer,
 * so the slow-consumer limit applies per stream, not per connection. Unlike a socket, which
 * hands a write to the kernel at once, an HTTP/2 stream keeps every write until the session
 * sends (in the event loop's check phase): a replay or a burst written in one go would count in
 * full against the limit however fast the client reads. So {@link H2Stream.bufferedBytes} leaves
 * out what was written since the session last had its turn ({@link SendTurns}). Many streams share one connection (a browser
 * opens one per origin): ending or cancelling a stream leaves the others alone.
 */
import http2, { type Http2ServerResponse, type ServerHttp2Stream } from 'node:http2';
import type { OutgoingHttpHeaders } from 'node:http';
import type { SinkListener, StreamSink } from '../hub/sink.ts';
import { GzipMember } from './gzip-member.ts';
import type { StreamEncoder } from './stream-encoder.ts';

/**
 * Counts the session's turns to send: a turn ends at the check phase after a write, when Node's
 * HTTP/2 sessions have handed their queued data on. One counter for the process (not one timer
 * per stream): it only tells whether a stream's bytes were written before or after the last turn.
 */
export class SendTurns {
  turn = 0;
  #scheduled = false;

  /** The current turn; the first write of a turn schedules its end. */
  current(): number {
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#advance);
    }
    return this.turn;
  }

  readonly #advance = (): void => {
    this.turn++;
    this.#scheduled = false;
  };
}

const TURNS = new SendTurns();

/** Where a stream keeps its adapter, so the shared listeners below find it (no closure per stream). */
const SINKS = new WeakMap<ServerHttp2Stream, H2Stream>();

function onDrain(this: ServerHttp2Stream): void {
  SINKS.get(this)?.listener?.sinkDrained();
}

function onClose(this: ServerHttp2Stream): void {
  SINKS.get(this)?.listener?.sinkClosed();
}

// 'close' follows every stream error (a reset by the client, the session going away).
function ignore(): void {}

/** An HTTP/2 stream as a {@link StreamSink}, with or without gzip. */
export class H2Stream implements StreamSink {
  listener: SinkListener | undefined;
  /** Present when the response is `Content-Encoding: gzip`. */
  readonly gzip: GzipMember | undefined;
  /** Bytes written during turn {@link #turn}: the session has not had its chance to send them yet. */
  #fresh = 0;
  #turn = -1;

  constructor(
    readonly stream: ServerHttp2Stream,
    encoder: StreamEncoder,
    gzip = false,
    readonly turns: SendTurns = TURNS,
  ) {
    this.gzip = gzip ? new GzipMember(encoder) : undefined;
  }

  listen(listener: SinkListener): void {
    if (this.listener) throw new Error('a stream sink takes one listener');
    this.listener = listener;
    SINKS.set(this.stream, this);
    this.stream.on('drain', onDrain);
    this.stream.on('close', onClose);
    this.stream.on('error', ignore);
  }

  write(bytes: Buffer): boolean {
    if (this.closed) return true; // the subscriber hears 'close' and stops writing
    if (!this.gzip) return this.#send(bytes);
    const parts = this.gzip.encode(bytes);
    return this.#send(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  #send(bytes: Buffer): boolean {
    const turn = this.turns.current();
    if (turn !== this.#turn) {
      this.#turn = turn;
      this.#fresh = 0;
    }
    this.#fresh += bytes.length;
    return this.stream.write(bytes);
  }

  cork(): void {
    this.stream.cork();
  }

  uncork(): void {
    this.stream.uncork();
  }

  end(): void {
    if (this.closed) return;
    if (this.gzip) this.#send(this.gzip.end());
    this.stream.end();
  }

  /** RST_STREAM (CANCEL) at once: what is buffered is dropped, the connection's other streams go on. */
  destroy(): void {
    if (this.stream.destroyed) return;
    // close() alone waits for the buffered data to be written, which a stalled client never allows.
    this.stream.close(http2.constants.NGHTTP2_CANCEL);
    this.stream.destroy();
  }

  /** Bytes the session had its turn to send and did not: what the client's flow-control window holds back. */
  get bufferedBytes(): number {
    const fresh = this.#turn === this.turns.turn ? this.#fresh : 0;
    return Math.max(0, this.stream.writableLength - fresh);
  }

  get needsDrain(): boolean {
    return this.stream.writableNeedDrain;
  }

  get closed(): boolean {
    return this.stream.destroyed || this.stream.closed;
  }
}

/**
 * Answers with a 200 and `headers` (plus those Koa set: rate-limit, CORS, Vary) and returns the
 * sink the hub writes to. The compatibility API sends the HEADERS frame at once; from here on
 * only the stream is written to.
 */
export function startH2Stream(res: Http2ServerResponse, headers: OutgoingHttpHeaders, encoder: StreamEncoder, gzip = false): H2Stream {
  res.writeHead(200, headers);
  return new H2Stream(res.stream, encoder, gzip);
}
