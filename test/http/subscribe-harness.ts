/**
 * A real server for the `/subscribe_events` tests: the Koa app with the subscribe router, a Hub on
 * a memory transport, both listeners on 127.0.0.1 port 0, fakes for the Home Assistant side, and
 * small clients (raw http, raw socket, EventSource).
 */
import http from 'node:http';
import net from 'node:net';
import { EventSource } from 'eventsource';
import { createApp } from '../../src/http/app.ts';
import { Authenticator, type UserResolver } from '../../src/http/auth.ts';
import { Listener } from '../../src/http/listeners.ts';
import { TrustedProxies } from '../../src/http/client-address.ts';
import type { TlsFiles } from '../../src/config/config.ts';
import { RateLimit } from '../../src/http/rate-limit.ts';
import { subscribeRouter } from '../../src/http/routes/subscribe.ts';
import { StreamEncoder } from '../../src/http/stream-encoder.ts';
import { Hub } from '../../src/hub/hub.ts';
import type { HubLimits } from '../../src/hub/limits.ts';
import { MemoryTransport } from '../../src/transport/memory.ts';
import type { ReplayPolicy } from '../../src/transport/transport.ts';
import { InvalidTokenError } from '../../src/base/errors.ts';
import { captureLogger } from '../log-capture.ts';
import type { CloseReason, ConnectionSnapshot, HaState, HubEvent, HubObserver, StampedEvent, User } from '../../src/base/types.ts';
import { FakeInterest, FakeStates, FakeUpstream, RecordingObserver } from '../hub/fakes.ts';
import { FakeClock } from '../metrics/helpers.ts';
import { type Frame, FrameParser } from '../sse-frames.ts';
import { until } from '../until.ts';
import { keepLast } from '../transport/policies.ts';
import { afterEach } from 'node:test';

export { FakeClock, FakeInterest, FakeStates, FakeUpstream, RecordingObserver, type Frame, FrameParser };

export const ADMIN_TOKEN = 'admin-token-0123456789';
export const USER_TOKEN = 'user-token-0123456789';
export const ADMIN: User = { id: 'admin-id', name: 'Admin', isAdmin: true };
export const NON_ADMIN: User = { id: 'user-id', name: 'User', isAdmin: false };

export class FixedTokenResolver implements UserResolver {
  async resolve(token: string): Promise<User> {
    if (token === ADMIN_TOKEN) return ADMIN;
    if (token === USER_TOKEN) return NON_ADMIN;
    throw new InvalidTokenError();
  }
}

export interface HarnessOptions {
  limits?: Partial<HubLimits>;
  capacity?: number;
  /** The replay history; default: the newest `capacity` events (100). With `clock`, aged by it. */
  history?: ReplayPolicy;
  requestsPerMinute?: number;
  streamLimit?: number;
  streamWindowSeconds?: number;
  trustIngress?: boolean;
  ingressAddress?: string;
  states?: HaState[];
  random?: () => number;
  /** `null`: the listeners run as on a Node without `freeParser` (the degraded socket takeover). */
  freeParser?: null;
  /** The hub's time and timers (pings, sweeps, close deadlines); default the real ones. */
  clock?: FakeClock;
  /** The LAN listener serves HTTPS (HTTP/2 and HTTP/1.1) with this certificate; `lan` is then `https://…`. */
  tls?: TlsFiles;
  /** `trusted_proxies` for both listeners. */
  trustedProxies?: string[];
  /** Who checks tokens; default {@link FixedTokenResolver}. */
  resolver?: UserResolver;
}

export interface Harness {
  lan: string;
  ingress: string;
  hub: Hub;
  transport: MemoryTransport;
  interest: FakeInterest;
  upstream: FakeUpstream;
  observer: RecordingObserver;
  logs: string[];
  publish(event: HubEvent): StampedEvent;
  stop(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { logger, chunks: logs } = captureLogger('debug');
  const transport = new MemoryTransport({ history: options.history ?? keepLast(options.capacity ?? 100), firstId: 1, now: options.clock?.now });
  const interest = new FakeInterest();
  const upstream = new FakeUpstream();
  const observer = new RecordingObserver();
  const hub = new Hub({
    transport,
    interest,
    states: new FakeStates(options.states ?? []),
    upstream,
    observer,
    limits: { retryJitterMs: 1000, closeGraceMs: 500, ...options.limits },
    random: options.random,
    now: options.clock?.now,
    timers: options.clock,
  });
  const auth = new Authenticator({
    resolver: options.resolver ?? new FixedTokenResolver(),
    trustIngress: options.trustIngress ?? false,
    ingressAddress: options.ingressAddress,
  });
  const limits = {
    requests: new RateLimit({ points: options.requestsPerMinute ?? 1000, windowSeconds: 60 }),
    streams: new RateLimit({ points: options.streamLimit ?? 1000, windowSeconds: options.streamWindowSeconds ?? 60 }),
  };
  const app = createApp({ logger, routers: [subscribeRouter({ hub, auth, limits, observer, encoder: new StreamEncoder() })], corsOrigins: [] });
  const trustedProxies = new TrustedProxies(options.trustedProxies ?? []);
  const lan = new Listener(app, { name: 'lan', host: '127.0.0.1', port: 0, freeParser: options.freeParser, tls: options.tls, trustedProxies });
  const ingress = new Listener(app, { name: 'ingress', host: '127.0.0.1', port: 0, freeParser: options.freeParser, trustedProxies });
  await transport.start();
  await hub.start();
  await lan.start();
  await ingress.start();
  return {
    lan: `${options.tls ? 'https' : 'http'}://127.0.0.1:${lan.port}`,
    ingress: `http://127.0.0.1:${ingress.port}`,
    hub,
    transport,
    interest,
    upstream,
    observer,
    logs,
    publish: (event) => transport.publishSync(event),
    async stop() {
      await hub.stop();
      await lan.stop(200);
      await ingress.stop(200);
      await transport.stop();
    },
  };
}

/** A Home Assistant event as the bridge would publish it. */
export function stateEvent(entityId: string, state: string): HubEvent {
  const now = Date.now();
  return {
    type: 'state_changed',
    data: { entity_id: entityId, state, attributes: {}, old_state: null },
    timestamp: new Date(now).toISOString(),
    entityIds: [entityId],
    domains: [entityId.split('.')[0]!],
    firedAt: now,
    receivedAt: now,
  };
}

export function typedEvent(type: string, entityIds: string[] = [], domains?: string[], data: unknown = {}): HubEvent {
  const now = Date.now();
  return {
    type,
    data,
    timestamp: new Date(now).toISOString(),
    entityIds,
    domains: domains ?? entityIds.map((id) => id.split('.')[0]!),
    firedAt: now,
    receivedAt: now,
  };
}

/** A raw HTTP stream client: status, headers, parsed frames, end. */
export class RawStream {
  readonly parser = new FrameParser();
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  body = '';
  ended = false;
  readonly response: Promise<http.IncomingMessage>;
  #req: http.ClientRequest;
  #res: http.IncomingMessage | undefined;

  constructor(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    this.#req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false });
    this.response = new Promise((resolve, reject) => {
      this.#req.on('response', (res) => {
        this.#res = res;
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          this.body += chunk;
          this.parser.push(chunk);
        });
        res.on('end', () => (this.ended = true));
        res.on('close', () => (this.ended = true));
        resolve(res);
      });
      this.#req.on('error', reject);
    });
    this.#req.end(init.body);
  }

  get frames(): Frame[] {
    return this.parser.frames;
  }

  /** Frames of Home Assistant events (not connection/ping/error). */
  get events(): Frame[] {
    return this.frames.filter((f) => !['connection', 'ping', 'error'].includes(f.json.type));
  }

  async waitFor(check: (stream: this) => boolean, what = 'condition', timeoutMs = 3000): Promise<void> {
    await until(() => check(this), `${what} (frames: ${this.frames.map((f) => f.json.type).join(',')})`, timeoutMs);
  }

  close(): void {
    this.#res?.destroy();
    this.#req.destroy();
  }
}

/** Opens a stream and waits for its response headers. */
export async function openStream(url: string, init?: ConstructorParameters<typeof RawStream>[1]): Promise<RawStream> {
  const stream = new RawStream(url, init);
  await stream.response;
  return stream;
}

/** Sends a request and reads the whole JSON answer. */
export async function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; json: Record<string, unknown> }> {
  const stream = new RawStream(url, init);
  await stream.response;
  await until(() => stream.ended, 'response end');
  return { status: stream.status, headers: stream.headers, json: stream.body ? JSON.parse(stream.body) : {} };
}

/**
 * A raw TCP client that sends `request` as written and keeps everything it receives; with
 * `paused`, it reads nothing (the socket's receive buffer fills) until `resume()`.
 */
export class RawSocketClient {
  readonly socket: net.Socket;
  text = '';
  closed = false;

  constructor(url: string, request: string, { paused = false } = {}) {
    const { port } = new URL(url);
    this.socket = net.connect(Number(port), '127.0.0.1');
    this.socket.setEncoding('utf8');
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => {});
    this.socket.write(request);
    if (paused) this.socket.pause();
    else this.resume();
  }

  resume(): void {
    this.socket.on('data', (chunk: string) => (this.text += chunk));
    this.socket.resume();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A stream client that sends a GET and never reads (for backpressure tests) until `resume()`. */
export class StalledClient extends RawSocketClient {
  constructor(url: string, path: string) {
    super(url, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`, { paused: true });
  }
}

/** An EventSource (the `eventsource` package) that records every message; extra headers via its fetch option. */
export class RecordingEventSource {
  readonly es: EventSource;
  readonly messages: { id: string; json: Frame['json'] }[] = [];
  errors = 0;
  opens = 0;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.es = new EventSource(url, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, ...headers } }),
    });
    this.es.onmessage = (e) => this.messages.push({ id: e.lastEventId, json: JSON.parse(e.data) });
    this.es.onerror = () => this.errors++;
    this.es.onopen = () => this.opens++;
  }

  ofType(type: string): { id: string; json: Frame['json'] }[] {
    return this.messages.filter((m) => m.json.type === type);
  }

  async waitFor(check: (es: this) => boolean, what = 'condition', timeoutMs = 3000): Promise<void> {
    await until(() => check(this), `${what} (messages: ${this.messages.map((m) => m.json.type).join(',')})`, timeoutMs);
  }

  close(): void {
    this.es.close();
  }
}


export type { CloseReason, ConnectionSnapshot, HubObserver };

/**
 * Per-test cleanup for the subscribe suites: after each test, the clients it tracked are closed
 * (in the order they were added), then the harnesses it started are stopped.
 */
export function perTest() {
  const harnesses: Harness[] = [];
  const closers: (() => void)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) close();
    for (const h of harnesses.splice(0)) await h.stop();
  });
  return {
    /** Starts a harness that is stopped after the test. */
    harness: async (options: HarnessOptions = {}): Promise<Harness> => {
      const h = await startHarness(options);
      harnesses.push(h);
      return h;
    },
    /** Closes `client` after the test; returns it. */
    track: <T extends { close(): void }>(client: T): T => {
      closers.push(() => client.close());
      return client;
    },
    /** Runs these after the test, in order, before the harnesses stop. */
    onCleanup: (...close: (() => void)[]): void => {
      closers.push(...close);
    },
  };
}
