/**
 * The statistics WebSocket API at `/ws` (DOCS.md), admins only.
 *
 * An upgrade that carries credentials (`Authorization: Bearer`, the token subprotocol below, the
 * `token` query as a documented fallback, or ingress) is authenticated exactly like HTTP: a
 * refused upgrade gets a real HTTP answer (401/403/429/503) with the JSON error envelope, never a
 * half-open socket. An upgrade without any is accepted into Home Assistant's own auth phase
 * (`auth_required` → `{type:"auth", access_token}` → `auth_ok` | `auth_invalid`, see ws-auth.ts).
 *
 * Requests are JSON objects with a `type` and an optional `id` (string or number) echoed back:
 * - `{type:"get_sse_stats"}` → `{id, type, success:true, data:{…same as GET /api/sse/stats…}}`
 * - `{type:"get_sse_connection", connection_id}` → `data:{connection}` (or `connection_not_found`)
 * - `{type:"get_sse_metrics", period}` → same `data` as `GET /api/sse/metrics`
 * - `{type:"subscribe_sse_stats"}` → an acknowledgement, then `{id, type:"sse_stats",
 *   success:true, data}` at once and every `pushIntervalMs`; `{type:"unsubscribe_sse_stats"}` ends it.
 *   With `live: true`, `data.live` adds the panel's live figures (stats/live-status.ts); with
 *   `interval_ms` (1000–60000) the pushes come at that interval instead.
 * Browsers cannot set headers on a WebSocket: a page may offer the subprotocols
 * `["sse-hub", "sse-hub-token.<token>"]` instead of a token in the URL; the server selects `sse-hub`.
 * Anything else gets `{id?, type?, success:false, message, error_code}`; nothing closes the socket.
 *
 * With `requests`, the upgrade and every message take a point from the same per-client budget as
 * HTTP requests; a message over it gets `rate_limit_exceeded` (with `retry_after` seconds) unanswered.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Logger } from '../base/log.ts';
import { InvalidPeriodError, parsePeriod } from '../metrics/period.ts';
import type { StatsService } from '../stats/service.ts';
import { type Authenticator, assertAdmin, authErrorToHttp, tokenOf } from './auth.ts';
import { authenticateFirstMessage } from './ws-auth.ts';
import { HttpError, badRequest, envelope, notFound } from './errors.ts';
import { LISTENER, type ListenerName, type ListenerServer, type TaggedRequest } from './listeners.ts';
import type { TrustedProxies } from './client-address.ts';
import { type RateLimit, RateLimitedError, clientKeyOf } from './rate-limit.ts';
import { wsMessageText } from '../base/ws-text.ts';
import { isRecord } from '../base/is-record.ts';
import { successEnvelope } from './envelope.ts';
import { systemTimers, type TimerHandle, type Timers } from '../base/timers.ts';

export interface WsApiOptions {
  auth: Authenticator;
  stats: StatsService;
  logger: Logger;
  /** The HTTP servers to serve `/ws` on, each with the listener it is (ingress authentication depends on it). */
  servers: readonly { server: ListenerServer; listener: ListenerName }[];
  /** Whose forwarded-for headers to believe for an upgrade (`trusted_proxies`), as the listeners do for requests. */
  trustedProxies?: TrustedProxies;
  /** Default `/ws`. */
  path?: string;
  /** Milliseconds between live stats pushes of `subscribe_sse_stats`. Default 5000. */
  pushIntervalMs?: number;
  /** Largest accepted message, bytes; a bigger one closes the socket with 1009 (the ws library's rule). Default 64 KiB. */
  maxPayloadBytes?: number;
  /** A push is skipped while this many bytes are still queued for the client. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Requests per client per minute, shared with HTTP; absent = unlimited. */
  requests?: RateLimit;
  /** Stats pushes and the auth phase's timeout. Default: Node's timers (unref'd). */
  timers?: Timers;
  /** Milliseconds a client without credentials at the upgrade has to send its `auth` message. Default 10 000. */
  authTimeoutMs?: number;
}

type Reply = Record<string, unknown>;

export class WsApi {
  readonly #options: WsApiOptions;
  readonly #path: string;
  readonly #attached: { server: ListenerServer; handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => void }[] = [];
  readonly #subscriptions = new Map<WebSocket, TimerHandle>();
  readonly #timers: Timers;
  #wss: WebSocketServer | undefined;

  constructor(options: WsApiOptions) {
    this.#options = options;
    this.#path = options.path ?? '/ws';
    this.#timers = options.timers ?? systemTimers();
  }

  /** The upgrade path (test/e2e/route-inventory.test.ts lists it beside the routers' routes). */
  get path(): string {
    return this.#path;
  }

  /** Open WebSocket clients. */
  get clientCount(): number {
    return this.#wss?.clients.size ?? 0;
  }

  start(): void {
    if (this.#wss) return;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.#options.maxPayloadBytes ?? 64 * 1024,
      // Never select (echo) the token subprotocol.
      handleProtocols: (offered) => (offered.has('sse-hub') ? 'sse-hub' : ([...offered].find((p) => !p.startsWith(TOKEN_PROTOCOL)) ?? false)),
    });
    for (const { server, listener } of this.#options.servers) {
      const handler = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(server, listener, req, socket, head);
      server.on('upgrade', handler);
      this.#attached.push({ server, handler });
    }
  }

  /** Detaches from the servers and closes every client with 1001 (going away). */
  async stop(): Promise<void> {
    for (const { server, handler } of this.#attached.splice(0)) server.off('upgrade', handler);
    for (const timer of this.#subscriptions.values()) this.#timers.clearInterval(timer);
    this.#subscriptions.clear();
    const wss = this.#wss;
    this.#wss = undefined;
    if (!wss) return;
    for (const client of wss.clients) client.close(1001, 'server shutting down');
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    for (const client of wss.clients) client.terminate();
  }

  #upgrade(server: ListenerServer, listener: ListenerName, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== this.#path) {
      // Another upgrade handler may own this path; when there is none, answer instead of hanging.
      if (server.listenerCount('upgrade') <= 1) refuse(socket, notFound(`No WebSocket endpoint at ${path}`));
      return;
    }
    (req as TaggedRequest)[LISTENER] = listener;
    this.#options.trustedProxies?.tag(req);
    tokenFromSubprotocol(req);
    const clientKey = clientKeyOf(req);
    const atUpgrade = this.#carriesCredentials(req, listener);
    this.#allow(clientKey)
      .then(() => (atUpgrade ? this.#options.auth.authenticate(req) : undefined))
      .then((state) => {
        if (state) assertAdmin(state, 'The statistics API');
        const wss = this.#wss;
        if (!wss || socket.destroyed) return void socket.destroy();
        wss.handleUpgrade(req, socket, head, (ws) => {
          if (state) return this.#serve(ws, clientKey);
          void authenticateFirstMessage(ws, { auth: this.#options.auth, req, timers: this.#timers, timeoutMs: this.#options.authTimeoutMs }).then((authed) => authed && this.#serve(ws, clientKey));
        });
      })
      .catch((err: unknown) => {
        const error = authErrorToHttp(err);
        if (!(error instanceof HttpError)) this.#options.logger.error({ err: error }, 'WebSocket upgrade failed');
        refuse(socket, error instanceof HttpError ? error : new HttpError(500, 'internal_error', 'Internal server error'));
      });
  }

  /** True when the upgrade itself says who the caller is (else the first message must). */
  #carriesCredentials(req: IncomingMessage, listener: ListenerName): boolean {
    if (this.#options.auth.options.trustIngress && listener === 'ingress') return true;
    try {
      return tokenOf(req) !== undefined;
    } catch {
      return true; // a malformed header: authenticate() refuses it with its own message
    }
  }

  /** Resolves when `clientKey` may make one more request; rejects with {@link RateLimitedError}. */
  async #allow(clientKey: string): Promise<void> {
    const decision = await this.#options.requests?.consume(clientKey);
    if (decision && !decision.allowed) throw new RateLimitedError('Too many requests, please try again later', decision);
  }

  #serve(ws: WebSocket, clientKey: string): void {
    ws.on('message', (data, isBinary) => {
      this.#allow(clientKey)
        .then(() => this.#handle(ws, data, isBinary))
        .catch((err: unknown) => {
          if (err instanceof RateLimitedError) {
            return send(ws, { ...envelope(err), retry_after: Math.max(1, Math.ceil(err.retryAfterMs / 1000)) });
          }
          this.#options.logger.error({ err }, 'WebSocket API request failed');
          send(ws, { success: false, message: 'Internal server error', error_code: 'internal_error' });
        });
    });
    ws.on('error', (err) => this.#options.logger.debug({ err }, 'WebSocket API client error'));
    ws.on('close', () => this.#unsubscribe(ws));
  }

  #handle(ws: WebSocket, data: RawData, isBinary: boolean): void {
    let message: unknown;
    try {
      const text = wsMessageText(data, isBinary);
      if (text === null) throw new Error('binary');
      message = JSON.parse(text);
    } catch {
      return send(ws, errorReply({}, badRequest('Messages must be JSON text', 'invalid_json')));
    }
    if (!isRecord(message)) {
      return send(ws, errorReply({}, badRequest('A message must be a JSON object', 'invalid_message')));
    }
    const head: Reply = {};
    if (typeof message.id === 'string' || typeof message.id === 'number') head.id = message.id;
    if (typeof message.type !== 'string') return send(ws, errorReply(head, badRequest('A message needs a string "type"', 'invalid_message')));
    head.type = message.type;
    const stats = this.#options.stats;
    switch (message.type) {
      case 'get_sse_stats':
        return send(ws, { ...head, ...successEnvelope(stats.stats()) });
      case 'get_sse_connection': {
        if (typeof message.connection_id !== 'string' || !message.connection_id) {
          return send(ws, errorReply(head, badRequest('connection_id is required', 'invalid_request')));
        }
        const connection = stats.connection(message.connection_id);
        if (!connection) return send(ws, errorReply(head, notFound('Connection not found', 'connection_not_found')));
        return send(ws, { ...head, ...successEnvelope({ connection }) });
      }
      case 'get_sse_metrics': {
        let period;
        try {
          period = parsePeriod(message.period);
        } catch (err) {
          if (err instanceof InvalidPeriodError) return send(ws, errorReply(head, badRequest(err.message, 'invalid_period')));
          throw err;
        }
        return send(ws, { ...head, ...successEnvelope(stats.metrics(period)) });
      }
      case 'subscribe_sse_stats': {
        const interval = message.interval_ms;
        if (interval !== undefined && (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 1000 || interval > 60000)) {
          return send(ws, errorReply(head, badRequest('interval_ms must be an integer from 1000 to 60000', 'invalid_request')));
        }
        this.#subscribe(ws, head.id, message.live === true, interval);
        return;
      }
      case 'unsubscribe_sse_stats':
        this.#unsubscribe(ws);
        return send(ws, { ...head, ...successEnvelope({ subscribed: false }) });
      default:
        return send(ws, errorReply(head, badRequest(`Unknown message type "${message.type}"`, 'unknown_type')));
    }
  }

  #subscribe(ws: WebSocket, id: unknown, live: boolean, intervalMs: number | undefined): void {
    this.#unsubscribe(ws);
    const push = () => {
      if (ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > (this.#options.maxBufferedBytes ?? 1024 * 1024)) return;
      const stats = this.#options.stats;
      const data = live ? { ...stats.stats(), live: stats.live() } : stats.stats();
      send(ws, { ...(id === undefined ? {} : { id }), type: 'sse_stats', ...successEnvelope(data) });
    };
    send(ws, { ...(id === undefined ? {} : { id }), type: 'subscribe_sse_stats', ...successEnvelope({ subscribed: true }) });
    push();
    const timer = this.#timers.setInterval(push, intervalMs ?? this.#options.pushIntervalMs ?? 5000);
    this.#subscriptions.set(ws, timer);
  }

  #unsubscribe(ws: WebSocket): void {
    const timer = this.#subscriptions.get(ws);
    if (timer !== undefined) this.#timers.clearInterval(timer);
    this.#subscriptions.delete(ws);
  }
}

const TOKEN_PROTOCOL = 'sse-hub-token.';

/** A token offered as a subprotocol becomes the `Authorization` header the authenticator reads (unless there is one). */
function tokenFromSubprotocol(req: IncomingMessage): void {
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const token = offered.find((p) => p.startsWith(TOKEN_PROTOCOL))?.slice(TOKEN_PROTOCOL.length);
  if (token && !req.headers.authorization) req.headers.authorization = `Bearer ${token}`;
}

function errorReply(head: Reply, error: HttpError): Reply {
  return { ...head, ...envelope(error) };
}

function send(ws: WebSocket, reply: Reply): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(reply));
}

/** Answers a refused upgrade with a plain HTTP response carrying the error envelope, then closes. */
function refuse(socket: Duplex, error: HttpError): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(envelope(error));
  const headers = Object.entries(error.headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n' +
      headers +
      '\r\n' +
      body,
  );
}
