/**
 * Counts failed token checks per client in a sliding window. Every token core rejects is a failed
 * login that can get the add-on's IP banned (docs/home-assistant.md §15), so a client that keeps failing is
 * stopped here, before core is asked again.
 */

export interface FailureLimiterOptions {
  /** Failures allowed per client within the window. */
  maxFailures: number;
  windowMs: number;
  now: () => number;
}

export class FailureLimiter {
  readonly #failures = new Map<string, number[]>();

  constructor(readonly options: FailureLimiterOptions) {}

  /** Milliseconds until `key` may try again; 0 when it may try now. */
  retryAfterMs(key: string): number {
    const recent = this.#recent(key);
    if (recent.length < this.options.maxFailures) return 0;
    const oldest = recent[recent.length - this.options.maxFailures] ?? this.options.now();
    return Math.max(1, oldest + this.options.windowMs - this.options.now());
  }

  record(key: string): void {
    const recent = this.#recent(key);
    recent.push(this.options.now());
    this.#failures.set(key, recent);
    if (this.#failures.size > 10_000) this.#prune();
  }

  #recent(key: string): number[] {
    const since = this.options.now() - this.options.windowMs;
    const recent = (this.#failures.get(key) ?? []).filter((t) => t > since);
    if (recent.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, recent);
    return recent;
  }

  /** Keeps memory bounded when many clients fail once. */
  #prune(): void {
    for (const key of [...this.#failures.keys()]) this.#recent(key);
  }
}
