/**
 * The Redis connections of Redis mode (docs/redis.md), with the settings every one of them shares.
 */
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

/**
 * ioredis is loaded on the first Redis client, not with this module: without `redis_url` the
 * process never pays its load cost (several MiB of RSS on a Raspberry Pi).
 */
let RedisClass: typeof Redis | undefined;

export function redisClient(url: string, extra: RedisOptions = {}): Redis {
  RedisClass ??= (createRequire(import.meta.url)('ioredis') as { Redis: typeof Redis }).Redis;
  return new RedisClass(url, {
    lazyConnect: true,
    // Fail fast while Redis is away; the callers retry or degrade (no unbounded queue in memory).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    ...extra,
  });
}
