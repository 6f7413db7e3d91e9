/**
 * The two HTTP listeners: the LAN port (SSE clients with Home Assistant tokens) and the ingress
 * port (the panel, through the Supervisor). One Koa app serves both; each request is tagged with
 * the listener that accepted it so authentication can tell them apart.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type Koa from 'koa';

export type ListenerName = 'lan' | 'ingress';

/** The listener a request arrived on, set before Koa sees the request. */
export const LISTENER = Symbol('sse-hub.listener');
export type TaggedRequest = http.IncomingMessage & { [LISTENER]?: ListenerName };

export function listenerOf(req: http.IncomingMessage): ListenerName {
  return (req as TaggedRequest)[LISTENER] ?? 'lan';
}

export interface ListenerOptions {
  name: ListenerName;
  host: string;
  port: number;
}

/** An HTTP server for one listener. `start()` listens; `stop()` stops accepting and ends idle sockets. */
export class Listener {
  readonly server: http.Server;
  readonly #sockets = new Set<Socket>();

  constructor(
    app: Koa,
    readonly options: ListenerOptions,
  ) {
    const handle = app.callback();
    this.server = http.createServer({ keepAliveTimeout: 5000 }, (req, res) => {
      (req as TaggedRequest)[LISTENER] = options.name;
      void handle(req, res);
    });
    // Streams live for hours; Node's default 5-minute request timeout would cut them.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 30_000;
    this.server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  /** The bound port (useful with port 0 in tests). */
  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
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
    this.server.closeIdleConnections();
    const timer = setTimeout(() => {
      for (const socket of this.#sockets) socket.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
  }
}
