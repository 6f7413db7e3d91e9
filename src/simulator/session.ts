/**
 * One client connection to the simulated core: the auth phase (docs/home-assistant.md §2), then the command
 * phase with core's id rules (§4) and message coalescing (§3): messages queued in the same tick go
 * out as one JSON-array frame once the client asked for `coalesce_messages`.
 */
import type { WebSocket, RawData } from 'ws';
import type { SimUser, SimulatedCore } from './core.ts';
import { HA_VERSION } from './core.ts';
import { COMMANDS, UnauthorizedError, type Command, type CommandSession } from './commands.ts';
import { SchemaError, pythonRepr } from './schema.ts';
import { ServiceNotFoundError } from './services.ts';
import * as wire from './wire.ts';
import { wsMessageText } from '../base/ws-text.ts';
import type { TimerHandle, Timers } from '../base/timers.ts';

export interface SessionHost {
  readonly core: SimulatedCore;
  /** True while the simulator plays a hung core: nothing is read or written. */
  isStalled(): boolean;
  /** A message arrived while stalled and was ignored (counted, so tests can wait for it). */
  ignoredWhileStalled(): void;
  /** How long a client may take to send `auth` (core: 10 s). */
  readonly authTimeoutMs: number;
  /** Where the auth timeout is scheduled. */
  readonly timers: Timers;
}

const AUTH_KEYS = new Set(['type', 'access_token', 'api_password']);

/** Core's auth message schema check; returns the voluptuous-style problem or null. */
function authProblem(msg: unknown): string | null {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return 'expected a dictionary';
  const record = msg as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!AUTH_KEYS.has(key)) return `extra keys not allowed @ data['${key}']`;
  if (!('type' in record)) return "required key not provided @ data['type']";
  if (record.type !== 'auth') return `not a valid value for dictionary value @ data['type']. Got ${pythonRepr(record.type)}`;
  if ('access_token' in record && 'api_password' in record) return "two or more values in the same group of exclusion 'login' @ data[<login>]";
  return null;
}

export class SimSession implements CommandSession {
  readonly core: SimulatedCore;
  /** Subscription id → label (event type or `subscribe_entities`) and how to stop it. */
  readonly subscriptions = new Map<number, { label: string; stop: () => void }>();
  #user: SimUser | undefined;
  #coalesce = false;
  #lastId = 0;
  #outbox: string[] = [];
  #flushScheduled = false;
  #authTimer: TimerHandle | undefined;
  #closed = false;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly host: SessionHost,
  ) {
    this.core = host.core;
  }

  get user(): SimUser {
    if (!this.#user) throw new Error('not authenticated');
    return this.#user;
  }

  get authenticated(): boolean {
    return this.#user !== undefined;
  }

  start(): void {
    this.ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    this.ws.on('close', () => this.#cleanup());
    this.ws.on('error', () => this.ws.terminate());
    // Core disconnects silently when `auth` does not come in time.
    this.#authTimer = this.host.timers.setTimeout(() => this.ws.close(), this.host.authTimeoutMs);
    this.send(wire.authRequired(HA_VERSION));
  }

  /** Queues one message; messages queued in the same tick are flushed together. */
  send(text: string): void {
    if (this.#closed || this.host.isStalled()) return;
    this.#outbox.push(text);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  setCoalesce(enabled: boolean): void {
    this.#coalesce = enabled;
  }

  addSubscription(id: number, label: string, stop: () => void): void {
    this.subscriptions.set(id, { label, stop });
  }

  removeSubscription(id: number): boolean {
    const subscription = this.subscriptions.get(id);
    if (!subscription) return false;
    subscription.stop();
    this.subscriptions.delete(id);
    return true;
  }

  /** Drops the connection without a close frame; nothing more is sent on it. */
  terminate(): void {
    this.#cleanup();
    this.ws.terminate();
  }

  #flush(): void {
    this.#flushScheduled = false;
    const queued = this.#outbox;
    this.#outbox = [];
    if (this.#closed || this.host.isStalled() || queued.length === 0) return;
    if (this.#coalesce && queued.length > 1) this.ws.send(`[${queued.join(',')}]`);
    else for (const text of queued) this.ws.send(text);
  }

  #clearAuthTimer(): void {
    if (this.#authTimer !== undefined) this.host.timers.clearTimeout(this.#authTimer);
    this.#authTimer = undefined;
  }

  #cleanup(): void {
    this.#closed = true;
    this.#clearAuthTimer();
    for (const { stop } of this.subscriptions.values()) stop();
    this.subscriptions.clear();
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#closed) return;
    if (this.host.isStalled()) return this.host.ignoredWhileStalled();
    let parsed: unknown;
    try {
      const text = wsMessageText(data, isBinary);
      if (text === null) throw new Error('binary frame');
      parsed = JSON.parse(text);
    } catch {
      // Core drops the connection on invalid JSON (and on binary frames during auth), without a word.
      this.ws.close();
      return;
    }
    if (!this.#user) return this.#authenticate(parsed);
    for (const message of Array.isArray(parsed) ? parsed : [parsed]) this.#handle(message);
  }

  #authenticate(msg: unknown): void {
    const problem = authProblem(msg);
    if (problem) return this.#rejectAuth(`Auth message incorrectly formatted: ${problem}`);
    const user = this.core.authenticate((msg as Record<string, unknown>).access_token);
    if (!user) return this.#rejectAuth(wire.AUTH_INVALID_TOKEN);
    this.#clearAuthTimer();
    this.#user = user;
    this.send(wire.authOk(HA_VERSION));
  }

  #rejectAuth(message: string): void {
    this.#clearAuthTimer();
    this.send(wire.authInvalid(message));
    setImmediate(() => setImmediate(() => this.ws.close()));
  }

  /** Core's `ActiveConnection.async_handle`, in its order: format, id reuse, unknown type, handler. */
  #handle(msg: unknown): void {
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      return this.send(wire.error(0, 'invalid_format', 'Message incorrectly formatted.'));
    }
    const record = msg as Record<string, unknown>;
    const id = record.id;
    const type = record.type;
    if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0 || typeof type !== 'string' || type === '') {
      return this.send(wire.error(id ?? null, 'invalid_format', 'Message incorrectly formatted.'));
    }
    if (id <= this.#lastId) return this.send(wire.error(id, 'id_reuse', 'Identifier values have to increase.'));
    const handler = COMMANDS[type];
    if (!handler) return this.send(wire.error(id, 'unknown_command', 'Unknown command.'));
    try {
      handler(this, record as Command);
    } catch (err) {
      this.send(this.#errorFor(id, err));
    }
    this.#lastId = id;
  }

  #errorFor(id: number, err: unknown): string {
    if (err instanceof SchemaError) return wire.error(id, 'invalid_format', err.message);
    if (err instanceof UnauthorizedError) return wire.error(id, 'unauthorized', 'Unauthorized');
    if (err instanceof ServiceNotFoundError) {
      return wire.error(id, 'not_found', err.message, {
        key: err.translationKey,
        domain: err.translationDomain,
        placeholders: { domain: err.domain, service: err.service },
      });
    }
    return wire.error(id, 'unknown_error', 'Unknown error');
  }
}
