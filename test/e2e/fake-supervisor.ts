/**
 * A fake Home Assistant Supervisor on loopback, in front of the simulator, as the add-on sees the
 * real one (docs/home-assistant.md): `GET /core/info` (core's address and port), the REST proxy
 * `/core/api/…` and the websocket proxy `/core/websocket`. Both proxies accept only the add-on's
 * SUPERVISOR_TOKEN and talk to core with a token of their own, as the Supervisor does. It listens on
 * its own loopback address (127.0.0.2 by default) so the product can tell its requests apart.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import type { HaSimulator } from '../../src/simulator/index.ts';

export interface ProxiedCall {
  method: string;
  path: string;
  /** Whether the caller presented SUPERVISOR_TOKEN. */
  authorized: boolean;
}

export class FakeSupervisor {
  readonly calls: ProxiedCall[] = [];
  /** Websocket proxy sessions whose first `auth` carried SUPERVISOR_TOKEN. */
  websocketSessions = 0;
  /** Every Authorization header or access_token seen, to check no user token went through here. */
  readonly tokensSeen = new Set<string>();
  #server: Server | undefined;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sockets = new Set<WebSocket>();

  constructor(
    readonly core: HaSimulator,
    readonly token: string,
    readonly host = '127.0.0.2',
  ) {}

  get url(): string {
    const address = this.#server?.address();
    return `http://${this.host}:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      // Core unreachable (stopped at the end of a run while a call was on its way): 502, as the
      // real Supervisor answers, instead of an unhandled rejection in the test process.
      this.#handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' });
        res.end();
      });
    });
    this.#server.on('upgrade', (req, socket, head) => {
      if (req.url !== '/core/websocket') return socket.destroy();
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#proxySocket(ws));
    });
    this.#server.listen(0, this.host);
    await once(this.#server, 'listening');
  }

  async stop(): Promise<void> {
    for (const ws of this.#sockets) ws.terminate();
    this.#wss.close();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  #authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    this.tokensSeen.add(header.replace(/^Bearer\s+/i, ''));
    return header === `Bearer ${this.token}`;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const authorized = this.#authorized(req);
    this.calls.push({ method: req.method ?? 'GET', path, authorized });
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    };
    if (!authorized) return reply(401, { result: 'error', message: 'Unauthorized' });
    if (path === '/core/info' && req.method === 'GET') {
      return reply(200, { result: 'ok', data: { version: '2025.8.1', ip_address: '127.0.0.1', port: this.core.port, ssl: false } });
    }
    if (!path.startsWith('/core/api/')) return reply(404, { result: 'error', message: 'not found' });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const upstream = await fetch(`${this.core.url}${path.slice('/core'.length)}`, {
      method: req.method,
      headers: { Authorization: `Bearer ${this.core.adminToken}`, 'Content-Type': 'application/json' },
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
    });
    res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  }

  /** Relays frames both ways; the add-on's `auth` is checked here and replaced by the Supervisor's own. */
  #proxySocket(client: WebSocket): void {
    this.#sockets.add(client);
    const upstream = new WebSocket(this.core.wsUrl);
    this.#sockets.add(upstream);
    const pending: string[] = [];
    const close = (): void => {
      client.terminate();
      upstream.terminate();
    };
    client.on('message', (data) => {
      let text = data.toString();
      const message = JSON.parse(text) as { type?: string; access_token?: string };
      if (message.type === 'auth') {
        this.tokensSeen.add(message.access_token ?? '');
        if (message.access_token === this.token) {
          this.websocketSessions++;
          text = JSON.stringify({ type: 'auth', access_token: this.core.adminToken });
        }
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
      else pending.push(text);
    });
    upstream.on('open', () => {
      for (const text of pending.splice(0)) upstream.send(text);
    });
    upstream.on('message', (data) => client.readyState === WebSocket.OPEN && client.send(data.toString()));
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  }
}
