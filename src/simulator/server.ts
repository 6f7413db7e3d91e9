/**
 * {@link HaSimulator}: a protocol-faithful fake Home Assistant core on loopback, for demo mode and
 * tests (Home Assistant itself cannot run here). It serves the websocket API at `/api/websocket`
 * and the REST API under `/api/`, runs the demo home, and offers a control API to play failures:
 * dropped connections, restarts, a hung core, HTTP 502 on upgrade.
 */
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { HaState } from '../base/types.ts';
import type { Logger } from '../base/log.ts';
import type { CoreEvent, HaContext } from '../ha/messages.ts';
import { systemTimers, type Timers } from '../base/timers.ts';
import { DemoActivity } from './activity.ts';
import { SimulatedCore, type SimUser } from './core.ts';
import { populateDemoHome } from './demo-home.ts';
import { handleRest, type RestCall } from './rest-api.ts';
import { SimSession } from './session.ts';

export interface HaSimulatorOptions {
  /** Address to bind. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Average demo events per second; 0 keeps the home quiet (tests drive it). Default 0. */
  eventRate?: number;
  /** Where the simulator logs (debug level); silent when omitted. */
  logger?: Logger;
  /** Fixed tokens for the admin and the non-admin user (demo mode keeps them across restarts); random when omitted. */
  tokens?: { admin: string; user: string };
  /** Seed for ids, tokens and demo activity; random when omitted. */
  seed?: number;
  /** How long a client may take to send `auth`. Default 10 000 ms, as core. */
  authTimeoutMs?: number;
  /** The demo activity's pacing clock and tick (tests pass a fake clock). Default: `Date.now` and {@link timers}. */
  activityClock?: { now: () => number; timers: Timers };
  /** The auth timeout, {@link HaSimulator.waitForRest}'s deadline and (without `activityClock`) the demo's tick. Default: Node's timers (unref'd). */
  timers?: Timers;
}

/** Subscriptions of one open connection, for asserting reference counting. */
export interface ConnectionSubscriptions {
  connection: number;
  userId: string | null;
  /** Event type (or `subscribe_entities`) per subscription, in subscription id order. */
  eventTypes: string[];
}

export class HaSimulator extends EventEmitter {
  /** The simulated core: states, bus, services, users. Tests may inspect it. */
  readonly core: SimulatedCore;
  readonly adminUser: SimUser;
  readonly user: SimUser;
  /** Token of the admin (owner) user; the demo token printed at start. */
  readonly adminToken: string;
  /** Token of a non-admin user. */
  readonly userToken: string;
  /** Every REST call, in order (emitted as `rest` too). */
  readonly restCalls: RestCall[] = [];
  /** Websocket connections accepted since start. */
  connectionsAccepted = 0;
  /** Client messages read and ignored while {@link stall}ed. */
  messagesIgnored = 0;

  readonly #options: HaSimulatorOptions;
  readonly #activity: DemoActivity;
  readonly #timers: Timers;
  readonly #sessions = new Set<SimSession>();
  #server: Server | undefined;
  #wss: WebSocketServer | undefined;
  #port = 0;
  #stalled = false;
  #rejectStatus: number | null = null;

  constructor(options: HaSimulatorOptions = {}) {
    super();
    this.#options = options;
    this.#timers = options.timers ?? systemTimers();
    this.core = new SimulatedCore(options.seed);
    ({ user: this.adminUser, token: this.adminToken } = this.core.addUser('Demo Admin', true, true, options.tokens?.admin));
    ({ user: this.user, token: this.userToken } = this.core.addUser('Demo User', false, false, options.tokens?.user));
    populateDemoHome(this.core);
    this.#activity = new DemoActivity(this.core, { eventRate: options.eventRate ?? 0, userId: this.adminUser.id, timers: this.#timers, ...options.activityClock });
  }

  /** `http://127.0.0.1:<port>` (the REST base). */
  get url(): string {
    return `http://${this.#options.host ?? '127.0.0.1'}:${this.#port}`;
  }

  /** `ws://127.0.0.1:<port>/api/websocket`. */
  get wsUrl(): string {
    return `ws://${this.#options.host ?? '127.0.0.1'}:${this.#port}/api/websocket`;
  }

  get port(): number {
    return this.#port;
  }

  /** Failed logins core would have counted toward an IP ban. */
  get failedLogins(): number {
    return this.core.failedLogins;
  }

  async start(): Promise<void> {
    this.#wss = new WebSocketServer({ noServer: true });
    await this.#listen(this.#options.port ?? 0);
    this.#activity.start();
    this.#options.logger?.debug({ url: this.url }, 'Home Assistant simulator listening');
  }

  async stop(): Promise<void> {
    this.#activity.stop();
    await this.#closeServer();
    this.#wss?.close();
  }

  // ---- control API ----

  /** Fires an event on the bus (origin LOCAL unless given). */
  fireEvent(eventType: string, data: Record<string, unknown> = {}, options: { origin?: 'LOCAL' | 'REMOTE'; context?: HaContext } = {}): CoreEvent {
    return this.core.bus.fire(eventType, data, {
      context: options.context ?? this.core.context(),
      timeFiredMicros: this.core.clock.now(),
      origin: options.origin ?? 'LOCAL',
    });
  }

  /** Writes a state (attributes default to the current ones), firing state_changed as core would. */
  setState(entityId: string, state: string, attributes?: Record<string, unknown>, context?: HaContext): HaState {
    const current = this.core.states.get(entityId);
    return this.core.states.set(entityId, state, attributes ?? current?.attributes ?? {}, context ?? this.core.context());
  }

  /** Removes an entity (state_changed with `new_state: null`). */
  removeEntity(entityId: string): boolean {
    return this.core.states.remove(entityId, this.core.context());
  }

  /** Calls a service as the admin user would; returns the changed states. */
  callService(domain: string, service: string, data: Record<string, unknown> = {}): HaState[] {
    return this.core.callService(domain, service, data, this.core.context(this.adminUser.id));
  }

  /** Runs one step of demo activity now. */
  demoStep(): void {
    this.#activity.step();
  }

  /** Creates another user with a token (for token-validation tests). */
  issueToken(name: string, isAdmin: boolean): string {
    return this.core.addUser(name, isAdmin).token;
  }

  revokeToken(token: string): boolean {
    return this.core.revokeToken(token);
  }

  /** Closes every websocket abruptly (no close frame), as a crashing core or network would. */
  dropAllConnections(): void {
    for (const session of this.#sessions) session.terminate();
  }

  /** Drops everything, closes the listening socket and listens again on the same port; states persist. */
  async restart(): Promise<void> {
    const port = this.#port;
    await this.#closeServer();
    await this.#listen(port);
  }

  /** While on, the core reads and writes nothing (a hung core): no results, no events, no pongs. */
  stall(on: boolean): void {
    this.#stalled = on;
  }

  /** Answers websocket upgrades with this HTTP status (502 = the Supervisor's "core not running"); null = accept. */
  rejectUpgrades(status: number | null): void {
    this.#rejectStatus = status;
  }

  /** Open websocket connections. */
  openConnections(): number {
    return this.#sessions.size;
  }

  /** Subscriptions per open, authenticated connection. */
  activeSubscriptions(): ConnectionSubscriptions[] {
    return [...this.#sessions]
      .filter((s) => s.authenticated)
      .map((s) => ({
        connection: s.id,
        userId: s.user.id,
        eventTypes: [...s.subscriptions.entries()].sort(([a], [b]) => a - b).map(([, sub]) => sub.label),
      }));
  }

  /** Resolves with the first recorded REST call (past or future) that matches. */
  async waitForRest(predicate: (call: RestCall) => boolean, timeoutMs = 5000): Promise<RestCall> {
    const found = this.restCalls.find(predicate);
    if (found) return found;
    return new Promise((resolve, reject) => {
      const timer = this.#timers.setTimeout(() => {
        this.off('rest', listener);
        reject(new Error(`no matching REST call within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (call: RestCall) => {
        if (!predicate(call)) return;
        this.#timers.clearTimeout(timer);
        this.off('rest', listener);
        resolve(call);
      };
      this.on('rest', listener);
    });
  }

  // ---- plumbing ----

  async #listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      if (!(req.url ?? '').startsWith('/api/')) {
        res.writeHead(404).end('404: Not Found');
        return;
      }
      handleRest(this.core, req, res).then(
        (call) => {
          this.restCalls.push(call);
          this.emit('rest', call);
        },
        () => {
          if (!res.headersSent) res.writeHead(500).end('500 Internal Server Error');
        },
      );
    });
    server.on('upgrade', (req, socket, head) => this.#upgrade(req, socket, head));
    server.listen(port, this.#options.host ?? '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    this.#port = typeof address === 'object' && address ? address.port : port;
    this.#server = server;
  }

  async #closeServer(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.dropAllConnections();
    if (!server) return;
    const closed = once(server, 'close');
    server.close();
    server.closeAllConnections();
    await closed;
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const status = path === '/api/websocket' ? this.#rejectStatus : 404;
    if (status !== null) {
      const body = `${status}: ${status === 502 ? 'Bad Gateway' : 'Not Found'}`;
      socket.end(`HTTP/1.1 ${status} ${status === 502 ? 'Bad Gateway' : 'Error'}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    this.#wss?.handleUpgrade(req, socket, head, (ws) => {
      const session = new SimSession(++this.connectionsAccepted, ws, {
        core: this.core,
        isStalled: () => this.#stalled,
        ignoredWhileStalled: () => void this.messagesIgnored++,
        authTimeoutMs: this.#options.authTimeoutMs ?? 10_000,
        timers: this.#timers,
      });
      this.#sessions.add(session);
      ws.on('close', () => this.#sessions.delete(session));
      session.start();
    });
  }
}
