/**
 * The long-lived websocket to Home Assistant core (docs/home-assistant.md §2–§4, §12).
 *
 * One {@link HaConnection} owns at most one authenticated socket at a time. It numbers commands
 * with strictly increasing ids (starting over on every socket), matches results by id, keeps core
 * honest with app-level pings, and reconnects with capped exponential backoff and jitter. Durable
 * subscriptions re-create themselves with fresh ids on every new socket (docs/ARCHITECTURE.md §5.8), as
 * home-assistant-js-websocket's `connection.ts` does.
 */
import type { WebSocket } from 'ws';
import type { Logger } from '../base/log.ts';
import { systemTimers, type TimerHandle, type Timers } from '../base/timers.ts';
import { backoffDelay } from './backoff.ts';
import { HaAuthInvalidError, HaCommandError, HaConnectionLostError, HaUpgradeRejectedError } from './errors.ts';
import { supportedFeatures, unsubscribeEvents, type HaCommand } from './messages.ts';
import { HaSession } from './session.ts';
import { openAuthenticatedSocket } from './socket.ts';

export interface HaConnectionOptions {
  /** Core websocket URL, or a function read at every attempt (demo mode learns its port at start). */
  url: string | (() => string);
  /** Access token, or a function read at every attempt. Never logged. */
  token: string | (() => string);
  logger: Logger;
  /** App-level `ping` interval in ms. Default 30 000. */
  pingIntervalMs?: number;
  /** A `pong` must arrive within this many ms or the socket is dropped and reopened. Default 10 000. */
  pongTimeoutMs?: number;
  /** Upgrade plus auth phase deadline in ms. Default 10 000. */
  authTimeoutMs?: number;
  /** Backoff: upper bound of the first reconnect delay in ms. Default 1 000. */
  backoffBaseMs?: number;
  /** Backoff: largest reconnect delay in ms. Default 30 000. */
  backoffCapMs?: number;
  /**
   * Delay in ms before retrying after `auth_invalid`, doubled on every further rejection up to
   * {@link invalidAuthRetryCapMs}. Default 60 000: each rejection is a failed login in core and can
   * get our IP banned (docs/home-assistant.md §15), so never a tight loop.
   */
  invalidAuthRetryMs?: number;
  /** Cap of the auth_invalid retry delay in ms. Default 1 800 000 (30 min). */
  invalidAuthRetryCapMs?: number;
  /** Random source in [0, 1) for backoff jitter. Default Math.random. */
  random?: () => number;
  /** Retry, ping, pong and auth-phase timers. Default: Node's timers (unref'd); tests pass a fake clock. */
  timers?: Timers;
}

export type HaConnectionStatus = 'idle' | 'connecting' | 'connected' | 'retrying' | 'auth_invalid' | 'stopped';

/** What a subscriber hears. Callbacks run synchronously, in frame order. */
export interface SubscriptionHandlers {
  /** Each `event` message's `event` payload. */
  onEvent(event: unknown): void;
  /** Core acknowledged the subscription on the current socket (called again after each reconnect). */
  onSubscribed?(): void;
}

/** A subscription that survives reconnects until {@link unsubscribe} is called. */
export interface HaSubscription {
  /** True while core has acknowledged it on the current socket. */
  readonly active: boolean;
  /** The id it has on the current socket, if sent. */
  readonly id: number | undefined;
  unsubscribe(): Promise<void>;
}

class Subscription implements HaSubscription {
  active = false;
  id: number | undefined;
  constructor(
    readonly message: HaCommand,
    readonly handlers: SubscriptionHandlers,
    readonly unsubscribe: () => Promise<void>,
  ) {}
}

const resolveValue = (value: string | (() => string)) => (typeof value === 'function' ? value() : value);

export class HaConnection {
  readonly #options: HaConnectionOptions;
  readonly #timers: Timers;
  readonly #log: Logger;
  readonly #subscriptions = new Set<Subscription>();
  readonly #connectedListeners = new Set<() => void>();
  readonly #disconnectedListeners = new Set<() => void>();
  #session: HaSession | undefined;
  /** Subscription per id on the current session. */
  #routes = new Map<number, Subscription>();
  #status: HaConnectionStatus = 'idle';
  #haVersion: string | undefined;
  #attempt = 0;
  #invalidAuthCount = 0;
  #retryTimer: TimerHandle | undefined;
  #connecting: Promise<void> | undefined;
  #abort: AbortController | undefined;

  constructor(options: HaConnectionOptions) {
    this.#options = options;
    this.#timers = options.timers ?? systemTimers();
    this.#log = options.logger.child({ component: 'ha-connection' });
  }

  get status(): HaConnectionStatus {
    return this.#status;
  }

  get connected(): boolean {
    return this.#session !== undefined;
  }

  /** Core's version from the last `auth_ok`. */
  get haVersion(): string | undefined {
    return this.#haVersion;
  }

  /** Starts connecting in the background; never fails because core is down (it retries). */
  async start(): Promise<void> {
    if (this.#status !== 'idle' && this.#status !== 'stopped') return;
    this.#status = 'connecting';
    this.#connecting = this.#connect();
  }

  /** Closes the socket, rejects pending commands with {@link HaConnectionLostError}, stops retrying. */
  async stop(): Promise<void> {
    this.#status = 'stopped';
    if (this.#retryTimer !== undefined) this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#abort?.abort();
    await this.#connecting;
    await this.#session?.close();
  }

  /** Called after every successful (re)connect, once durable subscriptions have been re-sent. */
  onConnected(listener: () => void): () => void {
    this.#connectedListeners.add(listener);
    return () => this.#connectedListeners.delete(listener);
  }

  /** Called when an authenticated socket is lost. */
  onDisconnected(listener: () => void): () => void {
    this.#disconnectedListeners.add(listener);
    return () => this.#disconnectedListeners.delete(listener);
  }

  /**
   * Sends one command and resolves with its `result`. Rejects with {@link HaCommandError} when core
   * answers `success: false`, {@link HaConnectionLostError} when not connected or the socket drops first.
   */
  command<T = unknown>(command: HaCommand): Promise<T> {
    const session = this.#session;
    if (!session) return Promise.reject(new HaConnectionLostError('Not connected to Home Assistant'));
    return new Promise<T>((resolve, reject) => {
      session.send(
        command,
        (message) => {
          if (message.type === 'result' && !message.success) reject(new HaCommandError(message.error.code, message.error.message));
          else resolve((message.type === 'result' ? message.result : null) as T);
        },
        () => reject(new HaConnectionLostError()),
      );
    });
  }

  /**
   * Starts a durable subscription (`subscribe_events`, `subscribe_entities`, …). It is sent now if
   * connected and re-sent with a fresh id after every reconnect, until `unsubscribe()`.
   */
  subscribe(message: HaCommand, handlers: SubscriptionHandlers): HaSubscription {
    const subscription: Subscription = new Subscription(message, handlers, () => this.#unsubscribe(subscription));
    this.#subscriptions.add(subscription);
    if (this.#session) this.#sendSubscribe(this.#session, subscription);
    return subscription;
  }

  async #unsubscribe(subscription: Subscription): Promise<void> {
    if (!this.#subscriptions.delete(subscription)) return;
    subscription.active = false;
    const session = this.#session;
    const id = subscription.id;
    subscription.id = undefined;
    if (!session || id === undefined) return;
    this.#routes.delete(id);
    // Core processes messages in order, so this works even before the subscribe result arrived.
    await new Promise<void>((resolve) => session.send(unsubscribeEvents(id), () => resolve(), resolve));
  }

  #sendSubscribe(session: HaSession, subscription: Subscription): void {
    const id = session.send(subscription.message, (message) => {
      if (subscription.id !== id) return;
      if (message.type === 'result' && message.success) {
        subscription.active = true;
        subscription.handlers.onSubscribed?.();
      } else {
        const error = message.type === 'result' && !message.success ? message.error : undefined;
        this.#log.warn({ command: subscription.message.type, code: error?.code, coreMessage: error?.message }, 'Home Assistant refused a subscription');
        this.#routes.delete(id);
        subscription.id = undefined;
      }
    });
    subscription.id = id;
    this.#routes.set(id, subscription);
  }

  async #connect(): Promise<void> {
    this.#retryTimer = undefined;
    if (this.#status === 'stopped') return;
    this.#abort = new AbortController();
    try {
      const { ws, haVersion } = await openAuthenticatedSocket({
        url: resolveValue(this.#options.url),
        token: resolveValue(this.#options.token),
        timeoutMs: this.#options.authTimeoutMs ?? 10_000,
        signal: this.#abort.signal,
        timers: this.#timers,
      });
      // stop() may have run while we awaited (TS cannot see that across the await).
      if ((this.#status as HaConnectionStatus) === 'stopped') {
        ws.terminate();
        return;
      }
      this.#attach(ws, haVersion);
    } catch (err) {
      this.#scheduleRetry(err);
    }
  }

  #scheduleRetry(err: unknown): void {
    if (this.#status === 'stopped') return;
    const options = this.#options;
    let delay: number;
    if (err instanceof HaAuthInvalidError) {
      const base = options.invalidAuthRetryMs ?? 60_000;
      delay = Math.min(options.invalidAuthRetryCapMs ?? 1_800_000, base * 2 ** Math.min(this.#invalidAuthCount++, 20));
      this.#status = 'auth_invalid';
      this.#log.error(
        { coreMessage: err.coreMessage, retryInMs: delay },
        'Home Assistant rejected the access token (auth_invalid); check the configured token. Retrying slowly to avoid an IP ban',
      );
    } else {
      delay = backoffDelay(this.#attempt++, { baseMs: options.backoffBaseMs ?? 1000, capMs: options.backoffCapMs ?? 30_000 }, options.random);
      this.#status = 'retrying';
      if (err instanceof HaUpgradeRejectedError && err.status === 502) {
        this.#log.warn({ retryInMs: delay }, 'Home Assistant is restarting (HTTP 502 on upgrade); retrying');
      } else {
        this.#log.warn({ reason: err instanceof Error ? err.message : String(err), retryInMs: delay }, 'cannot connect to Home Assistant; retrying');
      }
    }
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#connecting = this.#connect();
    }, delay);
  }

  #attach(ws: WebSocket, haVersion: string): void {
    const session: HaSession = new HaSession(ws, {
      logger: this.#log,
      pingIntervalMs: this.#options.pingIntervalMs ?? 30_000,
      pongTimeoutMs: this.#options.pongTimeoutMs ?? 10_000,
      timers: this.#timers,
      // Events for a subscription we just ended can still be in flight; they are expected and dropped.
      onEvent: (id, event) => this.#routes.get(id)?.handlers.onEvent(event),
      onClose: (code) => this.#onClose(session, code),
    });
    this.#session = session;
    this.#routes = new Map();
    this.#status = 'connected';
    this.#haVersion = haVersion;
    this.#invalidAuthCount = 0;
    session.start();
    this.#log.info({ haVersion }, 'connected to Home Assistant');

    // Id 1 negotiates coalescing, as the developer docs ask. A core that answers commands is healthy,
    // so only then does the backoff start over (an auth_ok followed by a close is not success).
    session.send(supportedFeatures(), (message) => {
      if (message.type === 'result' && message.success) this.#attempt = 0;
    });
    for (const subscription of this.#subscriptions) this.#sendSubscribe(session, subscription);
    for (const listener of this.#connectedListeners) this.#safely(listener);
  }

  #onClose(session: HaSession, code: number): void {
    if (this.#session !== session) return;
    this.#session = undefined;
    this.#routes = new Map();
    for (const subscription of this.#subscriptions) {
      subscription.active = false;
      subscription.id = undefined;
    }
    for (const listener of this.#disconnectedListeners) this.#safely(listener);
    if (this.#status === 'stopped') return;
    this.#log.warn({ code }, 'connection to Home Assistant lost; reconnecting');
    this.#scheduleRetry(new HaConnectionLostError());
  }

  /** A listener's exception must never take the connection down. */
  #safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err }, 'Home Assistant listener failed');
    }
  }
}
