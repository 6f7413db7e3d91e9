/**
 * The user documentation keeps up with the code: README.md and DOCS.md list every option with
 * its default, DOCS.md covers every endpoint and message of the public contract, and README.md
 * lists every environment variable the configuration reads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { optionsSchema } from '../../src/config/config.ts';
import { helpText } from '../../src/app/help.ts';
import { readText, readYaml } from './repo.ts';

const readme = readText('README.md');
const docs = readText('DOCS.md');
/** The API reference DOCS.md links to. */
const api = readText('docs/api.md');
const defaults = optionsSchema.parse({}) as Record<string, unknown>;

/** The table row of an option: `| \`key\` | default | ...`. */
function row(text: string, key: string): string | undefined {
  return text.split('\n').find((line) => line.startsWith(`| \`${key}\` |`));
}

function shownDefault(value: unknown): string {
  if (value === undefined) return '(none)';
  if (Array.isArray(value) && value.length === 0) return '(empty)';
  return typeof value === 'string' ? `\`${value}\`` : String(value);
}

describe('configuration tables', () => {
  for (const [name, text] of [['README.md', readme], ['DOCS.md', docs]] as const) {
    it(`${name} lists every option with its default`, () => {
      for (const key of Object.keys(optionsSchema.shape)) {
        const line = row(text, key);
        assert.ok(line, `${name}: no row for ${key}`);
        assert.equal(line.split('|')[2]!.trim(), shownDefault(defaults[key]), `${name}: default of ${key}`);
      }
    });
  }
});

/** The rows of DOCS.md's option table (the `## Configuration` section): name → cells. */
function docsOptionRows(): Map<string, string[]> {
  const start = docs.indexOf('\n## 6. Options\n');
  const end = docs.indexOf('\n## ', start + 1);
  const rows = new Map<string, string[]>();
  for (const line of docs.slice(start, end).split('\n')) {
    const match = /^\| `([a-z0-9_]+)` \|/.exec(line);
    if (match) rows.set(match[1]!, line.split('|').slice(2, -1).map((cell) => cell.trim()));
  }
  return rows;
}

/** The option lines of `--help`: name → the text after the environment name (type, range, default). */
function helpOptionLines(): Map<string, string> {
  const text = helpText();
  const lines = text.slice(text.indexOf('\nOptions ')).split('\n');
  const out = new Map<string, string>();
  for (const line of lines) {
    const match = /^ {2}([a-z0-9_]+) +([A-Z0-9_]+) +(.*)$/.exec(line);
    if (match) {
      assert.equal(match[2], match[1]!.toUpperCase(), `--help: the environment name of ${match[1]}`);
      out.set(match[1]!, match[3]!);
    }
  }
  return out;
}

describe('DOCS.md, --help and translations/en.yaml agree on the options', () => {
  const docsRows = docsOptionRows();
  const help = helpOptionLines();
  const en = readYaml('translations/en.yaml').configuration as Record<string, { name: string; description: string }>;
  const schemaKeys = Object.keys(optionsSchema.shape);

  it('name the same options, in the schema\'s order', () => {
    assert.deepEqual([...docsRows.keys()], schemaKeys, 'DOCS.md option table');
    assert.deepEqual([...help.keys()], schemaKeys, '--help');
    assert.deepEqual(Object.keys(en), schemaKeys, 'translations/en.yaml');
  });

  it('give the same range for every numeric option', () => {
    for (const [name, line] of help) {
      const range = /^(?:integer|number) ([\d.]+)\.\.([\d.]+)/.exec(line);
      if (!range) continue;
      const cell = docsRows.get(name)![1]!;
      assert.ok(cell.startsWith(`${range[1]}-${range[2]}`), `DOCS.md range of ${name} is "${cell}", --help says ${range[1]}..${range[2]}`);
    }
  });

  it('give the same default', () => {
    for (const [name, line] of help) {
      const shown = /\(default ([^)]*)\)$/.exec(line)?.[1];
      const docsDefault = docsRows.get(name)![0]!.replaceAll('`', '');
      if (shown === undefined) assert.equal(docsDefault, '(none)', `${name}: optional in --help`);
      else assert.equal(shown === '[]' ? '(empty)' : shown, docsDefault, `default of ${name}`);
      // Where en.yaml states a default, it is the same one.
      const stated = /\(?(?:[\d.]+-[\d.]+(?: \w+)?, )?default ([^;,)\s]+)/.exec(en[name]!.description)?.[1];
      if (stated !== undefined) assert.equal(stated.replaceAll("`", ""), docsDefault, `translations/en.yaml default of ${name}`);
    }
  });
});

describe('DOCS.md API reference', () => {
  it('covers every endpoint and WebSocket message of the contract', () => {
    const mentions = [
      'GET /subscribe_events', 'POST /subscribe_events', 'POST /get_sse_stats', 'GET /api/sse/stats',
      'GET /api/sse/connections', 'GET /api/sse/connections/{id}', 'DELETE /api/sse/connections/{id}', 'GET /api/sse/registries',
      'GET /api/sse/metrics?period=1h\\|24h\\|7d\\|30d', 'GET /api/sse/history', 'GET /api/sse/alerts',
      'GET /api/sse/alerts/history', 'GET /api/sse/alerts/thresholds', 'PUT /api/sse/alerts/thresholds',
      'GET /api/admin/sse-monitor', '/ws', 'GET /metrics', 'GET /healthz', 'Last-Event-ID',
      '"type":"get_sse_stats"', '"type":"get_sse_connection","connection_id"', '"type":"get_sse_metrics","period"',
      '"type":"subscribe_sse_stats"', 'entity_id=light.living_room&domain=switch',
    ];
    for (const text of mentions) assert.ok(api.includes(text), `docs/api.md should mention ${text}`);
  });

  it('names every payload type, stream error code and HTTP status of the contract', () => {
    for (const type of ['connection', 'state_changed', 'service_called', 'automation_triggered', 'script_executed', 'ping', 'error']) {
      assert.ok(api.includes(`| \`${type}\` |`), `payload ${type}`);
    }
    for (const code of ['rate_limit_exceeded', 'slow_consumer', 'replay_gap', 'upstream_unavailable', 'server_shutdown']) {
      assert.ok(api.includes(`| \`${code}\` |`), `stream error ${code}`);
    }
    for (const status of [400, 401, 403, 404, 413, 429, 503]) assert.ok(api.includes(`| ${status} |`), `status ${status}`);
    assert.ok(api.includes('{success:false, message, error_code}'));
  });
});

describe('README.md', () => {
  it('documents every environment variable the configuration reads', () => {
    const source = readText('src/config/config.ts');
    const envKeys = [...source.slice(source.indexOf('const envSchema')).matchAll(/^\s{2}([A-Z_]+):/gm)].map((m) => m[1]!);
    assert.ok(envKeys.includes('HA_URL') && envKeys.includes('PORT'), 'envSchema was found');
    for (const key of [...envKeys.filter((k) => !k.startsWith('SUPERVISOR_')), 'OPTIONS_PATH', 'REDIS_URL', 'LOG_LEVEL']) {
      assert.ok(readme.includes(`\`${key}\``), `README.md should document ${key}`);
    }
  });

  it('links the add-on repository the way my.home-assistant.io expects', () => {
    const url = 'https://github.com/sse-hub/sse-hub';
    assert.ok(readme.includes(`repository_url=${encodeURIComponent(url)}`));
    assert.ok(docs.includes(`repository_url=${encodeURIComponent(url)}`));
  });
});
