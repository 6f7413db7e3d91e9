/**
 * docs/api.md (the reference DOCS.md links to) says exactly what the code does: every `error_code` and stream `error` code the HTTP
 * layer and the hub emit, every `/ws` message type, and every alert threshold key with its range.
 * The codes are collected from the sources (src/http, src/hub), so a new code without a line in
 * docs/api.md fails here.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { THRESHOLD_KEYS, thresholdSchema, thresholdsUpdateSchema } from '../../src/alerts/rules.ts';
import { OPERATIONS } from '../../src/http/openapi.ts';
import { ROOT, readText } from './repo.ts';

// The exact contract lives in the API reference that DOCS.md links to.
const docs = readText('docs/api.md');

function sources(dir: string): string[] {
  return readdirSync(`${ROOT}${dir}`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readText(`${dir}/${f}`));
}

const SNAKE = `'([a-z]+(?:_[a-z]+)+|[a-z]+)'`;
/** Where a code is given: an error helper's last snake_case argument, `code: '…'`, `super(429, '…')`, `writeError(sub, '…')`, `errorPayload('…')`. */
const PATTERNS = [
  new RegExp(`(?:badRequest|unauthorized|forbidden|notFound|serviceUnavailable|HttpError)\\(.*${SNAKE}`, 'g'),
  new RegExp(`\\bcode:\\s*${SNAKE}`, 'g'),
  new RegExp(`super\\(\\d{3},\\s*${SNAKE}`, 'g'),
  new RegExp(`(?:writeError\\(\\w+,|errorPayload\\()\\s*${SNAKE}`, 'g'),
  new RegExp(`error_code:\\s*${SNAKE}`, 'g'),
];

function emittedCodes(): Set<string> {
  const codes = new Set<string>();
  for (const text of [...sources('src/http'), ...sources('src/hub')]) {
    for (const line of text.split('\n')) {
      for (const pattern of PATTERNS) for (const match of line.matchAll(pattern)) codes.add(match[1]!);
    }
  }
  return codes;
}

describe('DOCS.md is exact', () => {
  it('names every error code the HTTP layer and the hub emit', () => {
    const codes = emittedCodes();
    // The scan itself must find the codes it exists for.
    for (const known of ['invalid_thresholds', 'connection_not_found', 'unknown_type', 'connection_closed', 'rate_limit_exceeded', 'replay_gap']) {
      assert.ok(codes.has(known), `the scan should find ${known}`);
    }
    assert.ok(codes.size >= 25, `only ${codes.size} codes found`);
    const missing = [...codes].filter((code) => !docs.includes(`\`${code}\``)).sort();
    assert.deepEqual(missing, [], 'error codes DOCS.md does not name');
  });

  it('mentions every HTTP route the OpenAPI document lists (which test/http/openapi.test.ts ties to the routers)', () => {
    for (const key of Object.keys(OPERATIONS)) {
      const path = key.slice(key.indexOf(' ') + 1);
      const shown = path === '/' ? 'served at `/`' : path.replace(/\{name\}$/, '');
      assert.ok(docs.includes(shown), `DOCS.md should mention ${key}`);
    }
  });

  it('documents every /ws message type', () => {
    const types = [...readText('src/http/ws-api.ts').matchAll(/case '([a-z_]+)':/g)].map((m) => m[1]!);
    assert.ok(types.length >= 5, `only ${types.length} message types found`);
    for (const type of types) assert.ok(docs.includes(`"type":"${type}"`), `DOCS.md should show {"type":"${type}"}`);
    for (const reply of ['type:"sse_stats"', 'type:"subscribe_sse_stats", success:true, data:{subscribed:true}', '1009']) {
      assert.ok(docs.includes(reply), `DOCS.md should mention ${reply}`);
    }
  });

  it('lists every alert threshold key with its option and range, and the refusal of option names', () => {
    for (const key of THRESHOLD_KEYS) {
      const line = docs.split('\n').find((l) => l.startsWith(`| \`${key}\` | \`alert_${key}\` |`));
      assert.ok(line, `DOCS.md has no threshold row for ${key}`);
      const schema = thresholdSchema(key);
      const range = `${String(schema.minValue)}-${String(schema.maxValue)}`;
      const shown = line.split('|')[3]!.trim();
      assert.equal(shown, schema.isInt ? `integer ${range}` : range, `${key}: range`);
    }
    const rows = docs.split('\n').filter((l) => /^\| `[a-z0-9_]+` \| `alert_[a-z0-9_]+` \|/.test(l));
    assert.equal(rows.length, THRESHOLD_KEYS.length, 'no threshold rows beyond the keys');
    assert.equal(thresholdsUpdateSchema.safeParse({ alert_connections: 50 }).success, false);
    assert.equal(thresholdsUpdateSchema.safeParse({ connections: 50, latency_p95_ms: null }).success, true);
    assert.ok(docs.includes('`alert_connections` itself is refused'));
  });
});
