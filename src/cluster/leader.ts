/**
 * The leader lock (docs/redis.md): one key holding `<instanceId>:<n>`, set with NX and a TTL and
 * renewed by its holder every third of the TTL. `n` comes from INCR on a counter, so every term
 * has a fresh token: the transport's append script compares the lock's value with the token it
 * was given (fencing), and a paused ex-leader's appends are refused once another holds the lock.
 *
 * A renewal that fails or finds another token ends leadership at once (without waiting for the
 * TTL): the instance stops its upstream before anyone else can start one.
 */
import type { Redis } from 'ioredis';
import { type TimerHandle, type Timers, systemTimers } from '../base/timers.ts';

export interface LeaderLockOptions {
  client: Redis;
  /** The lock's key; the token counter is `<key>:term`. */
  key: string;
  instanceId: string;
  /** Lock lifetime in ms: a dead leader is replaced within about this long. */
  ttlMs: number;
  /** Told when this instance becomes or stops being the leader. */
  onChange: (leader: boolean) => void;
  /** Renewal and acquisition ticks. Default: Node's timers, unref'd. */
  timers?: Timers;
  /** Told after every renewal Redis confirmed (the leader appends what it held meanwhile). */
  onRenewed?: () => void;
  /** Asked before every acquisition attempt (the leader lock goes to the standby first). Default: always. */
  mayAcquire?: () => Promise<boolean> | boolean;
}

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class LeaderLock {
  readonly lockKey: string;
  readonly #client: Redis;
  readonly #instanceId: string;
  readonly #ttlMs: number;
  readonly #onChange: (leader: boolean) => void;
  readonly #timers: Timers;
  readonly #mayAcquire: () => Promise<boolean> | boolean;
  readonly #onRenewed: () => void;
  #token: string | undefined;
  #timer: TimerHandle | undefined;
  #running = false;
  /** The tick in flight: a second caller waits for it instead of racing it. */
  #current: Promise<void> | undefined;

  constructor(options: LeaderLockOptions) {
    this.lockKey = options.key;
    this.#client = options.client;
    this.#instanceId = options.instanceId;
    this.#ttlMs = options.ttlMs;
    this.#onChange = options.onChange;
    this.#timers = options.timers ?? systemTimers();
    this.#mayAcquire = options.mayAcquire ?? (() => true);
    this.#onRenewed = options.onRenewed ?? (() => {});
  }

  /** The fencing token while this instance leads. */
  token(): string | undefined {
    return this.#token;
  }

  get leader(): boolean {
    return this.#token !== undefined;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    await this.#tick();
    this.#timer = this.#timers.setInterval(() => void this.#tick(), Math.max(10, Math.floor(this.#ttlMs / 3)));
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#timers.clearInterval(this.#timer);
    this.#timer = undefined;
    await this.release();
  }

  /** Gives the lock up now (it may be acquired again on a later tick, when `mayAcquire` allows). */
  async release(): Promise<void> {
    const token = this.#token;
    if (token === undefined) return;
    this.#lose();
    try {
      await this.#client.eval(RELEASE, 1, this.lockKey, token);
    } catch {
      // Redis is away: the lock expires by itself.
    }
  }

  /** One renewal or acquisition attempt now, after the one in flight (besides the regular ticks). */
  async attempt(): Promise<void> {
    await this.#current;
    await this.#tick();
  }

  /** Resolves when no attempt is in flight. */
  async settled(): Promise<void> {
    await this.#current;
  }

  #tick(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    this.#current ??= (this.#token !== undefined ? this.#renew(this.#token) : this.#acquire()).finally(() => (this.#current = undefined));
    return this.#current;
  }

  /**
   * Renews the lock. Redis unreachable is not an answer: the holder keeps its role (its fenced
   * appends fail meanwhile, and it holds what it could not append) and asks again. An answer that
   * the lock is not ours (expired, taken, or Redis restarted empty) ends the role at once, and the
   * same tick tries to win it again: the ex-holder, who holds the events, goes first.
   */
  async #renew(token: string): Promise<void> {
    let renewed: boolean;
    try {
      renewed = (await this.#client.eval(RENEW, 1, this.lockKey, token, String(this.#ttlMs))) === 1;
    } catch {
      return;
    }
    if (this.#token !== token) return;
    if (renewed) {
      this.#onRenewed();
      return;
    }
    this.#lose();
    await this.#acquire();
  }

  async #acquire(): Promise<void> {
    const client = this.#client;
    const key = this.lockKey;
    try {
      if ((await client.exists(key)) === 1 || !(await this.#mayAcquire())) return;
      const term = await client.incr(`${key}:term`);
      const token = `${this.#instanceId}:${term}`;
      if ((await client.set(key, token, 'PX', this.#ttlMs, 'NX')) !== 'OK' || !this.#running) return;
      this.#token = token;
      this.#onChange(true);
    } catch {
      // Redis is away: try again on the next tick.
    }
  }

  #lose(): void {
    this.#token = undefined;
    this.#onChange(false);
  }
}
