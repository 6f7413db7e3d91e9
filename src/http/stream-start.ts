/**
 * Starts a stream's response on whichever protocol the request came in: HTTP/1.x gets its socket
 * taken over (`sse-stream.ts`), HTTP/2 (the TLS port, for clients that negotiated it) gets its
 * `Http2Stream` written to directly (`h2-stream.ts`). Both are the hub's {@link StreamSink}.
 */
import type http from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { StreamSink } from '../hub/sink.ts';
import { startH2Stream } from './h2-stream.ts';
import { startSseStream } from './sse-stream.ts';
import type { StreamEncoder } from './stream-encoder.ts';

/** True for a request that arrived over HTTP/2. */
export function isHttp2(req: http.IncomingMessage): boolean {
  return req.httpVersionMajor === 2;
}

/** Header fields HTTP/2 forbids (RFC 9113 §8.2.2); Node drops them with a warning, so they are not sent at all. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** `headers` without the connection-specific fields when `req` is HTTP/2; unchanged otherwise. */
export function headersFor<T extends Record<string, unknown>>(req: http.IncomingMessage, headers: T): T {
  if (!isHttp2(req)) return headers;
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CONNECTION_SPECIFIC.has(name.toLowerCase()))) as T;
}

/**
 * Answers with a 200 and `headers` and returns the stream the hub writes to. After this the
 * request, the response and Koa's context belong to nobody but the sink.
 */
export function startStream(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  headers: http.OutgoingHttpHeaders,
  encoder: StreamEncoder,
  gzip = false,
): StreamSink {
  if (isHttp2(req)) return startH2Stream(res as unknown as Http2ServerResponse, headersFor(req, headers), encoder, gzip);
  return startSseStream(req, res, headers, encoder, gzip);
}
