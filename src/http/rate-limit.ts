/**
 * Rate limits (DOCS.md): requests per minute per client address on every route that mounts
 * {@link rateLimit}, and new streams per user and client address per window on `/subscribe_events`. Both use
 * rate-limiter-flexible's fixed-window memory store; in Redis mode its Redis store, shared by
 * every instance, with the memory store as insurance while Redis is unreachable.
 *
 * Responses carry `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (epoch
 * seconds when the window resets, as GitHub's API does); a rejection is a 429 envelope with
 * `Retry-After` in seconds.
 */
import type { IncomingMessage } from 'node:http';
import type Koa from 'koa';
import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Options } from '../config/config.ts';
import type { HubObserver } from '../base/types.ts';
import { clientAddress } from './client-address.ts';
import { HttpError } from './errors.ts';
import { listenerOf } from './listeners.ts';

export interface RateLimitDecision {
  allowed: boolean;
  /** Points per window. */
  limit: number;
  remaining: number;
  /** Epoch milliseconds when the window resets. */
  resetAt: number;
  /** Milliseconds until the window resets. */
  retryAfterMs: number;
}

/** A 429 with the rate-limit headers; `retryAfterMs` feeds the SSE `retry:` hint on streams. */
export class RateLimitedError extends HttpError {
  constructor(
    message: string,
    readonly decision: RateLimitDecision,
  ) {
    super(429, 'rate_limit_exceeded', message, rateLimitHeaders(decision));
    this.name = 'RateLimitedError';
  }

  get retryAfterMs(): number {
    return this.decision.retryAfterMs;
  }
}

export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'X-RateLimit-Limit': String(decision.limit),
    'X-RateLimit-Remaining': String(decision.remaining),
    'X-RateLimit-Reset': String(Math.ceil(decision.resetAt / 1000)),
  };
  if (!decision.allowed) headers['Retry-After'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return headers;
}

export interface RateLimitOptions {
  /** Operations allowed per window. */
  points: number;
  /** The window in seconds (fractions allowed, for tests). */
  windowSeconds: number;
  /** Redis mode: counts shared by every instance under this key prefix (memory while Redis is away). */
  shared?: { client: Redis; keyPrefix: string };
}

/** A fixed-window counter per key. Lifecycle-free: its expiry timers are unref'd by the library. */
export class RateLimit {
  readonly points: number;
  readonly windowSeconds: number;
  readonly #limiter: RateLimiterAbstract;

  constructor(options: RateLimitOptions) {
    this.points = options.points;
    this.windowSeconds = options.windowSeconds;
    const memory = new RateLimiterMemory({ points: options.points, duration: options.windowSeconds });
    this.#limiter = options.shared
      ? new RateLimiterRedis({
          storeClient: options.shared.client,
          keyPrefix: options.shared.keyPrefix,
          points: options.points,
          duration: options.windowSeconds,
          rejectIfRedisNotReady: true,
          insuranceLimiter: memory,
        })
      : memory;
  }

  /** Takes one point for `key` and tells whether it was allowed. Never throws for a rejection. */
  async consume(key: string): Promise<RateLimitDecision> {
    let res: RateLimiterRes;
    let allowed = true;
    try {
      res = await this.#limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      res = rejection;
      allowed = false;
    }
    const retryAfterMs = Math.max(0, res.msBeforeNext);
    return { allowed, limit: this.points, remaining: res.remainingPoints, resetAt: Date.now() + retryAfterMs, retryAfterMs };
  }
}

/** The two limits the HTTP layer applies. */
export interface RateLimits {
  /** Requests per client per minute (`rate_limit_per_minute`). */
  requests: RateLimit;
  /** New LAN streams per user and client address per window (`stream_limit` per `stream_limit_window`). */
  streams: RateLimit;
}

/** With `redis` (Redis mode) both limits are shared by every instance. */
export function rateLimitsFromOptions(options: Options, redis?: { client: Redis; prefix: string }): RateLimits {
  const shared = (name: string) => redis && { client: redis.client, keyPrefix: `${redis.prefix}:limit:${name}` };
  return {
    requests: new RateLimit({ points: options.rate_limit_per_minute, windowSeconds: 60, shared: shared('requests') }),
    streams: new RateLimit({ points: options.stream_limit, windowSeconds: options.stream_limit_window, shared: shared('streams') }),
  };
}

/**
 * The client a request counts against before authentication: its listener and client address
 * (the peer's, or the forwarded client's behind a trusted proxy: `client-address.ts`).
 * Keying by address (not by token) means inventing tokens buys no fresh budget.
 */
export function requestClientKey(ctx: Koa.Context): string {
  return clientKeyOf(ctx.req);
}

/** {@link requestClientKey} for a bare request (a WebSocket upgrade, tagged with its listener). */
export function clientKeyOf(req: IncomingMessage): string {
  return `${listenerOf(req)}:${clientAddress(req)}`;
}

export interface RateLimitMiddlewareOptions {
  /** The key a request counts against. Default {@link requestClientKey}. */
  key?: (ctx: Koa.Context) => string;
  /** Told about each rejection. */
  observer?: Pick<HubObserver, 'rateLimited'>;
}

/** Koa middleware: counts the request, sets the `X-RateLimit-*` headers, and throws a 429 {@link RateLimitedError} when over. */
export function rateLimit(limit: RateLimit, options: RateLimitMiddlewareOptions = {}): Koa.Middleware {
  const keyOf = options.key ?? requestClientKey;
  return async (ctx, next) => {
    const decision = await limit.consume(keyOf(ctx));
    if (!decision.allowed) {
      options.observer?.rateLimited('request');
      throw new RateLimitedError('Too many requests, please try again later', decision);
    }
    ctx.set(rateLimitHeaders(decision));
    await next();
  };
}
