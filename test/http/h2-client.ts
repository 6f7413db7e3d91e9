/**
 * A small HTTP/2 client for the TLS port tests (node:http2): one session per test, streams that
 * record their status, headers and SSE frames (optionally through gunzip), and JSON requests.
 */
import http2 from 'node:http2';
import zlib from 'node:zlib';
import { FrameParser } from './subscribe-harness.ts';
import { until } from '../until.ts';

/** A session to `base` trusting `ca`, with a large connection window so one stalled stream does not starve the others. */
export async function connectH2(base: string, ca: Buffer): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(base, { ca });
  session.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  session.setLocalWindowSize(16 * 1024 * 1024);
  return session;
}

export class H2Stream {
  readonly parser = new FrameParser();
  status = 0;
  headers: http2.IncomingHttpHeaders = {};
  body = '';
  ended = false;
  readonly response: Promise<void>;

  constructor(
    readonly stream: http2.ClientHttp2Stream,
    { gunzip = false } = {},
  ) {
    stream.on('error', () => {});
    stream.on('close', () => (this.ended = true));
    this.response = new Promise((resolve, reject) => {
      stream.once('response', (headers) => {
        this.status = Number(headers[':status']);
        this.headers = headers;
        resolve();
      });
      stream.once('error', reject);
    });
    const source = gunzip ? stream.pipe(zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH })) : stream;
    source.setEncoding('utf8');
    source.on('data', (chunk: string) => {
      this.body += chunk;
      this.parser.push(chunk);
    });
    source.on('error', () => {});
  }

  get frames() {
    return this.parser.frames;
  }

  /** Frames of Home Assistant events (not connection/ping/error). */
  get events() {
    return this.frames.filter((f) => !['connection', 'ping', 'error'].includes(f.json.type));
  }

  async waitFor(check: (stream: this) => boolean, what: string, timeoutMs = 5000): Promise<void> {
    await until(() => check(this), `${what} (frames: ${this.frames.map((f) => f.json.type).join(',')})`, timeoutMs);
  }

  close(): void {
    if (!this.stream.destroyed) this.stream.close(http2.constants.NGHTTP2_CANCEL);
  }
}

/** Opens `path` on `session` and waits for the response headers. */
export async function openH2(
  session: http2.ClientHttp2Session,
  path: string,
  headers: Record<string, string> = {},
  options: { gunzip?: boolean } = {},
): Promise<H2Stream> {
  const stream = new H2Stream(session.request({ ':path': path, ...headers }), options);
  await stream.response;
  return stream;
}

/** A whole request over `session`: status, headers and the JSON body. */
export async function requestH2(
  session: http2.ClientHttp2Session,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http2.IncomingHttpHeaders; json: Record<string, unknown> }> {
  const stream = await openH2(session, path, headers);
  await until(() => stream.ended, 'the end of the answer');
  return { status: stream.status, headers: stream.headers, json: stream.body ? (JSON.parse(stream.body) as Record<string, unknown>) : {} };
}
