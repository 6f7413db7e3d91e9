/**
 * A loopback stand-in for the Supervisor's ingress proxy: serves the add-on's ingress listener
 * under `/api/hassio_ingress/<token>/` (the prefix is stripped before forwarding, as ingress
 * does), HTTP and WebSocket upgrades alike. Requests outside the prefix get a 404 and are kept in
 * `escaped`, so a test can show that the panel never leaves its base path.
 */
import { type IncomingMessage, type Server, createServer, request } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';

export class IngressProxy {
  readonly prefix = '/api/hassio_ingress/x9Kp2mQ7vT4wRz8nB3cL5hJ1dF6gA0sE/';
  readonly escaped: string[] = [];
  readonly #server: Server;
  readonly #tunnels = new Set<{ destroy(): void }>();

  constructor(private readonly targetPort: number) {
    this.#server = createServer((req, res) => {
      const path = this.#strip(req);
      if (path === undefined) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('outside the ingress path');
        return;
      }
      const upstream = request(
        { host: '127.0.0.1', port: this.targetPort, method: req.method, path, headers: { ...req.headers, host: `127.0.0.1:${this.targetPort}` } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      const path = this.#strip(req);
      if (path === undefined) return void socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      const upstream = connect(this.targetPort, '127.0.0.1', () => {
        const lines = [`${req.method} ${path} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
        upstream.write(head);
        upstream.pipe(socket).pipe(upstream);
      });
      this.#tunnels.add(upstream).add(socket);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
  }

  /** The path to forward, or undefined (recorded) when the request is outside the prefix. */
  #strip(req: IncomingMessage): string | undefined {
    const url = req.url ?? '/';
    if (url.startsWith(this.prefix)) return `/${url.slice(this.prefix.length)}`;
    this.escaped.push(url);
    return undefined;
  }

  get base(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}${this.prefix}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    for (const tunnel of this.#tunnels) tunnel.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
