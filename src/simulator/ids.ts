/**
 * Identifiers as core makes them: ULID context ids (26 Crockford base32 characters, 48-bit
 * millisecond time + 80 random bits), 32-hex user ids, and JWT-shaped access tokens. A seeded
 * generator makes a simulated home reproducible in tests.
 */
import { randomBytes } from 'node:crypto';
import type { HaContext } from '../ha/messages.ts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Random numbers in [0, 1): mulberry32 when seeded, crypto-backed otherwise. */
export class Random {
  #state: number | undefined;

  constructor(seed?: number) {
    this.#state = seed === undefined ? undefined : seed >>> 0;
  }

  next(): number {
    if (this.#state === undefined) return randomBytes(4).readUInt32BE(0) / 2 ** 32;
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  /** `length` lowercase hex digits (core's user ids are `uuid4().hex`, 32 digits). */
  hex(length: number): string {
    let out = '';
    while (out.length < length) out += Math.floor(this.next() * 16).toString(16);
    return out;
  }

  /** base64url characters, as in a JWT segment. */
  base64url(length: number): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let out = '';
    while (out.length < length) out += alphabet[Math.floor(this.next() * 64)];
    return out;
  }
}

/** A ULID for `timeMs`, as core's `ulid_now()` builds context ids. */
export function ulid(timeMs: number, random: Random): string {
  let time = '';
  let t = Math.floor(timeMs);
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rest = '';
  for (let i = 0; i < 16; i++) rest += CROCKFORD[Math.floor(random.next() * 32)];
  return time + rest;
}

/** A new context; `parent_id` links automation actions to what triggered them (docs/home-assistant.md §7). */
export function newContext(timeMs: number, random: Random, userId: string | null = null, parentId: string | null = null): HaContext {
  return { id: ulid(timeMs, random), parent_id: parentId, user_id: userId };
}

/**
 * A long-lived-access-token lookalike: core's tokens are HS256 JWTs whose `iss` is the refresh token id.
 * The signature part is random, so the token is unguessable; the simulator only compares strings.
 */
export function accessToken(random: Random, issuedAtSeconds: number): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'HS256', typ: 'JWT' });
  const payload = encode({ iss: random.hex(32), iat: issuedAtSeconds, exp: issuedAtSeconds + 315_360_000 });
  return `${header}.${payload}.${random.base64url(43)}`;
}
