/**
 * {@link UserDirectory}: a user's Home Assistant token → {@link User}, checked against core and
 * cached (docs/ARCHITECTURE.md §3, docs/home-assistant.md §15). Implements `UserResolver` of `http/auth.ts` structurally.
 *
 * Order of a check: malformed tokens are rejected outright; a cached valid token answers at once;
 * a client over its failure budget gets {@link TooManyAttemptsError}; a cached invalid token is
 * rejected; only then is core asked, once per token however many requests wait for it.
 */
import { createHash } from 'node:crypto';
import type { User } from '../base/types.ts';
import type { Logger } from '../base/log.ts';
import { InvalidTokenError, TooManyAttemptsError } from '../base/errors.ts';
import { websocketUrl } from '../config/config.ts';
import { FailureLimiter } from './failure-limiter.ts';
import { checkToken } from './token-check.ts';
import type { Timers } from '../base/timers.ts';

export interface UserDirectoryOptions {
  /** Core's base URL (`http(s)://host:port`), asked before each check that reaches core. */
  coreUrl: () => string | Promise<string>;
  logger: Logger;
  /** Clock in epoch ms. Default Date.now (tests inject their own). */
  now?: () => number;
  /** For the check's deadline. Default: Node's timers (unref'd). */
  timers?: Timers;
  /** How long a valid token is trusted, ms. Default 300 000. */
  validTtlMs?: number;
  /** How long an invalid token is remembered, ms. Default 30 000. */
  invalidTtlMs?: number;
  /** Failed checks one client may cause per window. Default 5. */
  maxFailures?: number;
  /** The failure window, ms. Default 300 000. */
  failureWindowMs?: number;
  /** Deadline of one check against core, ms. Default 10 000. */
  timeoutMs?: number;
  /** Cached tokens kept at most (oldest dropped first). Default 10 000. */
  maxEntries?: number;
  /** Checks a token against core; defaults to the websocket check of `token-check.ts`. */
  check?: (wsUrl: string, token: string, timeoutMs: number) => Promise<User | null>;
}

interface CacheEntry {
  user: User | null;
  expiresAt: number;
}

/** Printable ASCII without spaces, of a sane length (core's tokens are ~180-character JWTs). */
const TOKEN_PATTERN = /^[\x21-\x7e]{16,2048}$/;

export class UserDirectory {
  readonly #options: UserDirectoryOptions;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inFlight = new Map<string, Promise<User | null>>();
  readonly #limiter: FailureLimiter;
  /** Checks that reached core (for stats and tests). */
  coreChecks = 0;

  constructor(options: UserDirectoryOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#log = options.logger.child({ component: 'ha-users' });
    this.#limiter = new FailureLimiter({
      maxFailures: options.maxFailures ?? 5,
      windowMs: options.failureWindowMs ?? 300_000,
      now: this.#now,
    });
  }

  /**
   * The user behind `token`. `clientKey` identifies the caller for failure limiting (an IP).
   * Throws InvalidTokenError, TooManyAttemptsError or UpstreamUnavailableError.
   */
  async resolve(token: string, clientKey: string): Promise<User> {
    if (!TOKEN_PATTERN.test(token)) {
      this.#limiter.record(clientKey);
      throw new InvalidTokenError('Malformed access token');
    }
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.#cached(key);
    if (cached?.user) return cached.user;

    const retryAfterMs = this.#limiter.retryAfterMs(clientKey);
    if (retryAfterMs > 0) throw new TooManyAttemptsError(retryAfterMs);
    if (cached) return this.#fail(clientKey);

    let pending = this.#inFlight.get(key);
    if (!pending) {
      pending = this.#ask(key, token).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    const user = await pending;
    return user ?? this.#fail(clientKey);
  }

  #fail(clientKey: string): never {
    this.#limiter.record(clientKey);
    throw new InvalidTokenError();
  }

  #cached(key: string): CacheEntry | undefined {
    const entry = this.#cache.get(key);
    if (entry && entry.expiresAt <= this.#now()) {
      this.#cache.delete(key);
      return undefined;
    }
    return entry;
  }

  async #ask(key: string, token: string): Promise<User | null> {
    const timeoutMs = this.#options.timeoutMs ?? 10_000;
    const check =
      this.#options.check ??
      ((url: string, candidate: string, ms: number) => checkToken({ wsUrl: url, token: candidate, timeoutMs: ms, now: this.#now, timers: this.#options.timers }));
    let user: User | null;
    try {
      const wsUrl = websocketUrl(await this.#options.coreUrl());
      this.coreChecks++;
      user = await check(wsUrl, token, timeoutMs);
    } catch (err) {
      // Clients hear only "not reachable"; the address and the library error are for the log.
      this.#log.warn({ err }, 'could not check a user token with Home Assistant');
      throw err;
    }
    const ttl = user ? (this.#options.validTtlMs ?? 300_000) : (this.#options.invalidTtlMs ?? 30_000);
    this.#cache.set(key, { user, expiresAt: this.#now() + ttl });
    if (this.#cache.size > (this.#options.maxEntries ?? 10_000)) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    if (!user) this.#log.info('Home Assistant rejected a user token');
    return user;
  }
}
