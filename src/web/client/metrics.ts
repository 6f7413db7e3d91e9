/** Client-side measurements of one client's streams (DOCS.md, "Client metrics"), on an injected clock. */
import type { ClientMetrics } from './types.ts';

export class MetricsRecorder {
  readonly #startedAt: number;
  #attemptAt: number | undefined;
  #openedAt: number | undefined;
  #connectedMs = 0;
  #opens = 0;
  #connectionTimeMs: number | null = null;
  #messages = 0;
  #firstMessageAt: number | undefined;
  #lastMessageAt: number | undefined;
  #lastError: ClientMetrics['lastError'] = null;

  constructor(private readonly now: () => number) {
    this.#startedAt = now();
  }

  attempt(): void {
    this.#attemptAt = this.now();
  }

  /** The `connection` message arrived. */
  opened(): void {
    const now = this.now();
    this.#opens++;
    this.#connectionTimeMs = this.#attemptAt === undefined ? null : now - this.#attemptAt;
    this.#openedAt = now;
  }

  /** The stream ended (or the client closed). */
  dropped(): void {
    if (this.#openedAt === undefined) return;
    this.#connectedMs += this.now() - this.#openedAt;
    this.#openedAt = undefined;
  }

  message(): void {
    const now = this.now();
    this.#messages++;
    this.#firstMessageAt ??= now;
    this.#lastMessageAt = now;
  }

  error(code: string, message: string): void {
    this.#lastError = { code, message, at: this.now() };
  }

  snapshot(): ClientMetrics {
    const now = this.now();
    const connectedMs = this.#connectedMs + (this.#openedAt === undefined ? 0 : now - this.#openedAt);
    const elapsed = now - this.#startedAt;
    return {
      connectionTimeMs: this.#connectionTimeMs,
      connectedMs,
      reconnects: Math.max(0, this.#opens - 1),
      messagesReceived: this.#messages,
      averageInterMessageMs:
        this.#messages < 2 ? null : (this.#lastMessageAt! - this.#firstMessageAt!) / (this.#messages - 1),
      stability: elapsed <= 0 ? (this.#openedAt === undefined ? 0 : 1) : Math.min(1, connectedMs / elapsed),
      lastError: this.#lastError,
    };
  }
}
