/**
 * The async-iterator side of the client: each `for await` gets its own bounded queue of the
 * messages that arrive after it started (the oldest are dropped past `limit`, counted in
 * `dropped`), ends when the client closes, and throws the client's fatal error, if any.
 */
export class MessageQueue<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = [];
  #waiting: { resolve: (r: IteratorResult<T>) => void; reject: (err: unknown) => void } | undefined;
  #done = false;
  #error: unknown;
  dropped = 0;

  constructor(
    private readonly limit: number,
    private readonly detach: () => void,
  ) {}

  push(item: T): void {
    if (this.#done) return;
    if (this.#waiting) {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting.resolve({ value: item, done: false });
      return;
    }
    this.#items.push(item);
    if (this.#items.length > this.limit) {
      this.#items.shift();
      this.dropped++;
    }
  }

  /** Ends the iteration after the queued items; with an error, the loop throws it after them. */
  end(error?: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    this.detach();
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (!waiting) return;
    if (error !== undefined) waiting.reject(error);
    else waiting.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift()!, done: false });
    if (this.#done) {
      const error = this.#error;
      this.#error = undefined; // thrown once; later calls just end
      return error !== undefined ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.#waiting = { resolve, reject }));
  }

  /** `break` out of the loop: stop queueing for this iterator (the client keeps running). */
  return(): Promise<IteratorResult<T>> {
    this.#items.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
