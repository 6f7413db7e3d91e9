/**
 * {@link HaSession}: the command phase on one authenticated socket (docs/home-assistant.md §4). It numbers
 * commands from 1 with strictly increasing ids, matches results and pongs to their senders by id,
 * hands events to the connection, drops malformed frames with a warning, and sends an app-level
 * `ping` every interval: a pong that misses its deadline terminates the socket (a hung core).
 * A session lives exactly as long as its socket; {@link HaConnection} makes a new one per reconnect.
 */
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../base/log.ts';
import type { TimerHandle, Timers } from '../base/timers.ts';
import { encodeCommand, parseFrame, ping, type HaCommand, type ServerMessage } from './messages.ts';
import { wsMessageText } from '../base/ws-text.ts';

export type ResultMessage = Extract<ServerMessage, { type: 'result' | 'pong' }>;

export interface HaSessionOptions {
  logger: Logger;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  /** The ping interval, the pong deadline and the forced close. */
  timers: Timers;
  /** An `event` message for subscription `id` (which may already be gone). */
  onEvent(id: number, event: unknown): void;
  /** The socket closed; every pending command has been told. */
  onClose(code: number): void;
}

interface Pending {
  onResult: (message: ResultMessage) => void;
  /** Called instead of onResult when the socket closes first. */
  onLost?: () => void;
}

export class HaSession {
  readonly #ws: WebSocket;
  readonly #options: HaSessionOptions;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #pingTimer: TimerHandle | undefined;
  #pongTimer: TimerHandle | undefined;

  constructor(ws: WebSocket, options: HaSessionOptions) {
    this.#ws = ws;
    this.#options = options;
  }

  start(): void {
    this.#ws.on('message', (data, isBinary) => this.#onFrame(data, isBinary));
    this.#ws.on('close', (code) => this.#onClose(code));
    this.#ws.on('error', (err) => this.#options.logger.warn({ reason: err.message }, 'Home Assistant websocket error'));
    this.#pingTimer = this.#options.timers.setInterval(() => this.#ping(), this.#options.pingIntervalMs);
  }

  /**
   * Numbers and sends a command; returns its id. `onResult` runs synchronously, in frame order, when
   * its result (or pong) arrives, so a caller can act before the next message of the same frame.
   */
  send(command: HaCommand, onResult: (message: ResultMessage) => void, onLost?: () => void): number {
    const id = this.#nextId++;
    this.#pending.set(id, { onResult, onLost });
    this.#ws.send(encodeCommand(id, command), () => {
      // A send on a closing socket fails here; the close handler tells whoever is pending.
    });
    return id;
  }

  /** Closes gracefully, or terminates after 1 s (a hung core never completes the closing handshake). */
  async close(): Promise<void> {
    if (this.#ws.readyState === this.#ws.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.#ws.once('close', () => resolve()));
    this.#ws.close(1000);
    const timers = this.#options.timers;
    const force = timers.setTimeout(() => this.#ws.terminate(), 1000);
    await closed;
    timers.clearTimeout(force);
  }

  #ping(): void {
    if (this.#pongTimer !== undefined) return;
    const { pongTimeoutMs: deadline, timers } = this.#options;
    this.#pongTimer = timers.setTimeout(() => {
      this.#options.logger.warn({ pongTimeoutMs: deadline }, 'Home Assistant did not answer ping in time; reconnecting');
      this.#ws.terminate();
    }, deadline);
    this.send(ping(), () => {
      if (this.#pongTimer !== undefined) timers.clearTimeout(this.#pongTimer);
      this.#pongTimer = undefined;
    });
  }

  #onFrame(data: RawData, isBinary: boolean): void {
    const text = wsMessageText(data, isBinary);
    if (text === null) {
      this.#options.logger.warn('dropped a binary frame from Home Assistant');
      return;
    }
    const { messages, dropped } = parseFrame(text);
    if (dropped > 0) this.#options.logger.warn({ dropped, frameLength: text.length }, 'dropped malformed message(s) from Home Assistant');
    for (const message of messages) {
      try {
        if (message.type === 'result' || message.type === 'pong') {
          const pending = this.#pending.get(message.id);
          this.#pending.delete(message.id);
          pending?.onResult(message);
        } else if (message.type === 'event') {
          this.#options.onEvent(message.id, message.event);
        } else {
          this.#options.logger.warn({ type: message.type }, 'unexpected auth message after authentication; dropped');
        }
      } catch (err) {
        // A listener's exception must never take the connection down.
        this.#options.logger.error({ err }, 'Home Assistant message handler failed');
      }
    }
  }

  #onClose(code: number): void {
    const timers = this.#options.timers;
    if (this.#pingTimer !== undefined) timers.clearInterval(this.#pingTimer);
    if (this.#pongTimer !== undefined) timers.clearTimeout(this.#pongTimer);
    this.#pingTimer = undefined;
    this.#pongTimer = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const { onLost } of pending) {
      try {
        onLost?.();
      } catch (err) {
        this.#options.logger.error({ err }, 'Home Assistant message handler failed');
      }
    }
    this.#options.onClose(code);
  }
}
