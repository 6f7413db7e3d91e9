/**
 * A seeded generator of hostile inputs for the fuzz suite (test/e2e/fuzz.test.ts): methods, paths,
 * query strings, headers and bodies, and /ws messages. The same seed gives the same inputs, so a
 * failure is replayed with FUZZ_SEED=<seed>.
 */

/** mulberry32: small, fast, good enough to pick inputs. */
export class Rng {
  #state: number;
  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const ODD_STRINGS = [
  '', ' ', '0', '-1', '1e308', 'NaN', 'null', 'true', '[]', '{}', '%', '%E0%A4%A', '%00', '../../etc/passwd',
  '<script>alert(1)</script>', "' OR 1=1 --", '☃', '\u202e', 'a'.repeat(5000), 'state_changed', 'light.kitchen',
  'light.*', '*', ',,,', 'light', 'minute', 'hour', 'day', '9999999999999', '2026-13-45T99:99:99Z',
];
const QUERY_KEYS = ['token', 'entity_id', 'entity_ids', 'event_type', 'event_types', 'domain', 'domains', 'limit', 'period', 'since', 'until', 'format', 'id', 'lastEventId', 'x'];
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'FOO'];

export function oddString(rng: Rng): string {
  if (rng.chance(0.3)) {
    let s = '';
    const length = rng.int(40);
    for (let i = 0; i < length; i++) s += String.fromCodePoint(rng.chance(0.8) ? 32 + rng.int(95) : rng.int(0x2fff) + 1);
    return s;
  }
  return rng.pick(ODD_STRINGS);
}

/** Any JSON value, nested a few levels. */
export function jsonValue(rng: Rng, depth = 0): unknown {
  const kind = rng.int(depth > 3 ? 4 : 7);
  if (kind === 0) return rng.pick([null, true, false]);
  if (kind === 1) return rng.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 100000, 5]);
  if (kind === 2 || kind === 3) return oddString(rng);
  if (kind === 4) return Array.from({ length: rng.int(5) }, () => jsonValue(rng, depth + 1));
  return jsonObject(rng, depth + 1);
}

const BODY_KEYS = ['events', 'event_types', 'entity_ids', 'entity_id', 'domains', 'token', 'connections', 'latency_p99_ms', 'sustain_seconds', 'type', 'id', '__proto__', 'constructor'];

export function jsonObject(rng: Rng, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const size = rng.int(5);
  for (let i = 0; i < size; i++) out[rng.chance(0.7) ? rng.pick(BODY_KEYS) : oddString(rng)] = jsonValue(rng, depth);
  return out;
}

export function pathFor(rng: Rng, routePath: string): string {
  let path = routePath.replace(/:[a-z_]+/gi, () => encodeURIComponent(oddString(rng)) || 'x');
  if (rng.chance(0.1)) path += rng.pick(['/', '//', '/x', '.json', '%2e%2e/', '?']);
  const params: string[] = [];
  const count = rng.int(4);
  for (let i = 0; i < count; i++) {
    const value = rng.chance(0.8) ? encodeURIComponent(oddString(rng)) : rng.pick(['%', '%zz', '%E0%A4%A', '&&', '=']);
    params.push(`${rng.pick(QUERY_KEYS)}=${value}`);
  }
  return params.length > 0 ? `${path}${path.includes('?') ? '&' : '?'}${params.join('&')}` : path;
}

/** Header values limited to what HTTP allows on the wire (visible ASCII and spaces). */
function headerValue(rng: Rng): string {
  return oddString(rng).replace(/[^\x20-\x7e]/g, '?').trim() || 'x';
}

export function headersFor(rng: Rng, tokens: { admin: string; user: string }): Record<string, string> {
  const headers: Record<string, string> = {};
  const auth = rng.int(8);
  if (auth === 0) headers.Authorization = `Bearer ${tokens.admin}`;
  else if (auth === 1) headers.Authorization = `Bearer ${tokens.user}`;
  else if (auth === 2) headers.Authorization = rng.pick(['Bearer', 'Basic YTpi', 'Bearer a b', `bearer ${tokens.admin}`, `Bearer ${headerValue(rng)}`]);
  if (rng.chance(0.5)) headers['Content-Type'] = rng.pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', headerValue(rng)]);
  if (rng.chance(0.2)) headers['Last-Event-ID'] = headerValue(rng);
  if (rng.chance(0.2)) headers.Origin = rng.pick(['http://evil.example', 'null', headerValue(rng)]);
  if (rng.chance(0.2)) headers.Accept = rng.pick(['text/event-stream', '*/*', 'application/xml', headerValue(rng)]);
  if (rng.chance(0.1)) headers['X-Remote-User-Id'] = headerValue(rng);
  if (rng.chance(0.1)) headers['X-Forwarded-For'] = '172.30.32.2';
  return headers;
}

export function bodyFor(rng: Rng): string | undefined {
  const kind = rng.int(6);
  if (kind === 0) return undefined;
  if (kind === 1) return JSON.stringify(jsonValue(rng));
  if (kind === 2) return rng.pick(['{', '{"events":', 'nul', '[1,2', '\u0000', '{"a":1}{"b":2}', '{"__proto__":{"isAdmin":true}}']);
  if (kind === 3) return 'x'.repeat(rng.pick([1, 1024, 70_000, 1_100_000]));
  return JSON.stringify(jsonObject(rng));
}

/** One /ws message: mostly JSON commands with odd fields, sometimes not JSON at all. */
export function wsMessage(rng: Rng, id: number): string {
  const kind = rng.int(5);
  if (kind === 0) return rng.pick(['', '{', 'null', '[]', '"x"', '1', 'x'.repeat(70_000)]);
  const message: Record<string, unknown> = { ...jsonObject(rng) };
  message.type = rng.chance(0.8)
    ? rng.pick(['auth', 'ping', 'get_sse_stats', 'get_sse_connection', 'get_sse_metrics', 'subscribe_sse_stats', 'unsubscribe_sse_stats', 'supported_features', oddString(rng)])
    : jsonValue(rng);
  if (rng.chance(0.8)) message.id = rng.chance(0.8) ? id : jsonValue(rng);
  return JSON.stringify(message);
}
