/**
 * The two HTTP listeners: the LAN port (SSE clients with Home Assistant tokens) and the ingress
 * port (the panel, through the Supervisor). One Koa app serves both; each request is tagged with
 * the listener that accepted it so authentication can tell them apart.
 *
 * A stream outlives its request by hours, so once its headers are out the listener takes the
 * socket away from Node's HTTP server ({@link takeOverSocket}), as Node itself does for an
 * upgraded connection: the parser, the request, the response and Koa's context are then garbage,
 * and an idle stream costs little more than its socket and its subscriber. That needs one Node
 * internal ({@link loadFreeParser}); on a Node without it the socket stays the HTTP server's too
 * and streams work the same, at a higher cost per stream.
 *
 * With `tls` the listener is an HTTPS server that speaks HTTP/2 to clients that offer it (ALPN)
 * and HTTP/1.1 to the others, on the same port (docs/decisions.md §12): Koa serves both through
 * Node's compatibility API, an HTTP/1.1 request is taken over as above, and an HTTP/2 stream is
 * written to directly (`h2-stream.ts`). WebSocket upgrades arrive over HTTP/1.1 as usual.
 */
import http from 'node:http';
import http2 from 'node:http2';
import { createRequire } from 'node:module';
import { type AddressInfo, Socket } from 'node:net';
import type Koa from 'koa';
import { systemTimers, type Timers } from '../base/timers.ts';
import type { TlsFiles } from '../config/config.ts';
import type { TrustedProxies } from './client-address.ts';
import { loadTlsCertificate } from './tls-certificate.ts';

export type ListenerName = 'lan' | 'ingress';

/** The listener a request arrived on, set before Koa sees the request. */
export const LISTENER = Symbol('sse-hub.listener');
/** How the listener that accepted a request takes its socket over (see {@link takeOverSocket}). */
const TAKE_OVER = Symbol('sse-hub.take-over');

export type TaggedRequest = http.IncomingMessage & {
  [LISTENER]?: ListenerName;
  [TAKE_OVER]?: (res: http.ServerResponse) => Socket;
};

export function listenerOf(req: http.IncomingMessage): ListenerName {
  return (req as TaggedRequest)[LISTENER] ?? 'lan';
}

/**
 * Hands a streaming response's socket to the caller once the headers are written: the HTTP
 * server, the response and Koa's `on-finished` let go of it, and the caller owns it from here
 * (writes, ends, destroys). Anything the client sends afterwards is read and discarded; its FIN
 * ends the socket, as Node's server does. Throws when the request did not come through a
 * {@link Listener} or the response has no socket of its own (pipelined behind another).
 */
export function takeOverSocket(req: http.IncomingMessage, res: http.ServerResponse): Socket {
  const takeOver = (req as TaggedRequest)[TAKE_OVER];
  if (!takeOver) throw new Error('the request did not come through a Listener');
  return takeOver(res);
}

export interface ListenerOptions {
  name: ListenerName;
  host: string;
  port: number;
  /**
   * How the takeover frees the HTTP parser: Node's own `freeParser` by default ({@link loadFreeParser}).
   * `null` keeps the HTTP machinery alive under each stream (what happens on a Node without it).
   */
  freeParser?: FreeParser | null;
  /** Where `stop()` schedules the end of its grace period. Default: Node's timers (unref'd). */
  timers?: Timers;
  /** Serve HTTPS (HTTP/2 and HTTP/1.1) with this certificate, read by {@link Listener.loadCertificate}. Default: plain HTTP. */
  tls?: TlsFiles;
  /** Whose forwarded-for headers to believe (`trusted_proxies`); default nobody's. */
  trustedProxies?: TrustedProxies;
}

/** What serves a listener: Node's HTTP server, or with `tls` its HTTP/2 server that also speaks HTTP/1.1. */
export type ListenerServer = http.Server | http2.Http2SecureServer;

/** The parts of Node's HTTP internals the takeover uses (`lib/_http_server.js`, `lib/_http_common.js`). */
interface HttpParser {
  unconsume(): void;
  /** Called with each parsed request; returns whether to skip its body. */
  onIncoming: (() => number) | null;
}
type ServerSocket = Socket & { parser?: HttpParser | null };
export type FreeParser = (parser: HttpParser, req: null, socket: Socket) => void;

/**
 * Node's `freeParser` (`lib/_http_common.js`): undocumented, but what Node's own upgrade path
 * calls. Undefined when this Node has no such internal (the module or the function is gone): the
 * takeover then keeps the HTTP machinery alive under each stream, which costs memory per stream
 * and nothing else (docs/decisions.md §6). `load` is `require`, injectable for tests.
 */
export function loadFreeParser(load: (id: string) => unknown = createRequire(import.meta.url)): FreeParser | undefined {
  try {
    const internals = load('node:_http_common') as { freeParser?: unknown } | null;
    return typeof internals?.freeParser === 'function' ? (internals.freeParser as FreeParser) : undefined;
  } catch {
    return undefined;
  }
}

const nodeFreeParser = loadFreeParser();

/** The socket events Node's HTTP server, the response and `on-finished` listen to. */
const HTTP_EVENTS = ['data', 'end', 'close', 'drain', 'error', 'timeout', 'resume', 'pause'] as const;

/** An HTTP server for one listener. `start()` listens; `stop()` stops accepting and ends idle sockets. */
export class Listener {
  readonly server: ListenerServer;
  readonly #sockets = new Set<Socket>();
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  #certificateLoaded = false;
  readonly #freeParser: FreeParser | undefined;
  readonly #timers: Timers;
  /** One 'close' listener for every socket (called with the socket as `this`), not a closure each. */
  readonly #forget: (this: Socket) => void;

  constructor(
    app: Koa,
    readonly options: ListenerOptions,
  ) {
    this.#freeParser = options.freeParser === undefined ? nodeFreeParser : (options.freeParser ?? undefined);
    this.#timers = options.timers ?? systemTimers();
    const handle = app.callback();
    const takeOver = (res: http.ServerResponse) => this.#takeOver(res);
    const proxies = options.trustedProxies;
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
      (req as TaggedRequest)[LISTENER] = options.name;
      (req as TaggedRequest)[TAKE_OVER] = takeOver;
      proxies?.tag(req);
      void handle(req, res);
    };
    // The certificate comes in loadCertificate(): the constructor does no I/O.
    this.server = options.tls
      ? http2.createSecureServer({ allowHTTP1: true }, onRequest as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void)
      : http.createServer(onRequest);
    // The HTTP/1.1 side of either server. Streams live for hours; Node's default 5-minute request
    // timeout would cut them.
    const h1 = this.server as unknown as Pick<http.Server, 'requestTimeout' | 'headersTimeout' | 'keepAliveTimeout'>;
    h1.keepAliveTimeout = 5000;
    h1.requestTimeout = 0;
    h1.headersTimeout = 30_000;
    const sessions = this.#sessions;
    this.server.on('session', (session: http2.ServerHttp2Session) => {
      sessions.add(session);
      session.once('close', () => sessions.delete(session));
    });
    const sockets = this.#sockets;
    this.#forget = function (this: Socket) {
      sockets.delete(this);
    };
    this.server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', this.#forget);
    });
  }

  /** False on a Node without `freeParser`: taken-over streams then keep the HTTP machinery (more memory each). */
  get releasesHttpState(): boolean {
    return this.#freeParser !== undefined;
  }

  /** True when this listener serves HTTPS (`tls`). */
  get secure(): boolean {
    return this.options.tls !== undefined;
  }

  /**
   * Reads and checks the certificate (`tls-certificate.ts`); throws `TlsCertificateError` with one
   * line to show. The composition root calls it before anything else starts; {@link start} does
   * when nobody did. Nothing to do without `tls`.
   */
  loadCertificate(): void {
    if (!this.options.tls || this.#certificateLoaded) return;
    (this.server as http2.Http2SecureServer).setSecureContext(loadTlsCertificate(this.options.tls));
    this.#certificateLoaded = true;
  }

  /** The bound port (useful with port 0 in tests). */
  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    this.loadCertificate();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops accepting, waits up to `graceMs` for open requests, then destroys what is left. */
  async stop(graceMs = 1000): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    (this.server as http.Server).closeIdleConnections();
    // HTTP/2: GOAWAY, so clients open no new streams; the session ends when its streams have.
    for (const session of this.#sessions) session.close();
    // The open sockets keep the process alive until they close: the timer need not.
    const timer = this.#timers.setTimeout(() => {
      for (const socket of this.#sockets) socket.destroy();
    }, graceMs);
    await closed;
    this.#timers.clearTimeout(timer);
  }

  /** See {@link takeOverSocket}. Mirrors the upgrade branch of Node's `onParserExecuteCommon`. */
  #takeOver(res: http.ServerResponse): Socket {
    const socket = res.socket as ServerSocket | null;
    if (!socket) throw new Error('the response has no socket of its own');
    const parser = socket.parser;
    const freeParser = this.#freeParser;
    // Without Node's internals the socket stays the HTTP server's too: it streams all the same.
    if (!freeParser || !parser || typeof parser.unconsume !== 'function') return socket;
    res.detachSocket(socket);
    // Every listener on these events is the HTTP server's per-connection state (which holds the
    // request), the response's, or on-finished's (which holds Koa's whole context); only the
    // listener's own bookkeeping is put back.
    for (const event of HTTP_EVENTS) socket.removeAllListeners(event);
    socket.on('close', this.#forget);
    // Read on so the client's FIN is seen; with half-open off the socket then ends itself.
    socket.allowHalfOpen = false;
    socket.resume();
    // A handler that never waited for real I/O runs inside the parser's own callback for this
    // request, and the parser re-registers itself when the callback returns: free it after that,
    // and until then drop whatever it parses next (a request pipelined in the same packet).
    parser.onIncoming = ignoreRequest;
    setImmediate(releaseParser, freeParser, parser, socket);
    return socket;
  }
}

function ignoreRequest(): number {
  return 0;
}

function releaseParser(freeParser: FreeParser, parser: HttpParser, socket: ServerSocket): void {
  if (socket.parser !== parser) return;
  freeParser(parser, null, socket);
  // Node's server wraps these on every socket to notice a 'data' listener while the parser
  // consumes the socket; with the parser gone the three wrappers only cost memory. Node itself
  // puts the originals back like this (`generateSocketListenerWrapper`).
  socket.on = Socket.prototype.on;
  socket.addListener = Socket.prototype.addListener;
  socket.prependListener = Socket.prototype.prependListener;
}
