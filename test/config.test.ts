/**
 * Configuration: sources in order (options file > environment > defaults), every problem reported
 * as `path: message`, Home Assistant URL forms, and mode selection.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig, optionsSchema, type Config } from '../src/config/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const missing = join(dir, 'missing.json');
let fileCount = 0;
function optionsFile(content: unknown): string {
  const path = join(dir, `options-${++fileCount}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** A fake token made at run time; it only has to look like one. */
const fakeToken = () => `fake-${randomBytes(24).toString('hex')}`;

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('expected a ConfigError');
}

const ISSUE = /^(env|options)\.[A-Za-z0-9_.]+: \S.*$/;

describe('loadConfig sources', () => {
  it('uses the defaults when there is no options file and no environment', () => {
    const config = loadConfig({ OPTIONS_PATH: missing });
    assert.deepEqual(config.options, optionsSchema.parse({}));
    assert.equal(config.mode, 'demo');
    assert.equal(config.port, 3000);
    assert.equal(config.ingressPort, 8099);
    assert.equal(config.bindHost, '0.0.0.0');
    assert.equal(config.dataDir, './data');
    assert.deepEqual(config.warnings, []);
  });

  it('prefers the options file over the environment, and the environment over defaults', () => {
    const config = loadConfig({
      OPTIONS_PATH: optionsFile({ max_clients: 7, log_level: 'debug' }),
      MAX_CLIENTS: '8',
      RATE_LIMIT_PER_MINUTE: '9',
    });
    assert.equal(config.options.max_clients, 7);
    assert.equal(config.options.log_level, 'debug');
    assert.equal(config.options.rate_limit_per_minute, 9);
    assert.equal(config.options.stream_limit, 5);
  });

  it('reads every option from its upper-case environment variable', () => {
    const shape = optionsSchema.shape as Record<string, { _zod: { def: { innerType?: { maxValue?: number } } } }>;
    const samples: Record<string, [string, unknown]> = {
      log_level: ['warning', 'warning'],
      notify_service: ['notify.mobile_app_phone', 'notify.mobile_app_phone'],
      redis_url: ['redis://127.0.0.1:6379/2', 'redis://127.0.0.1:6379/2'],
      cors_origins: ['https://a.example, https://b.example', ['https://a.example', 'https://b.example']],
      ssl: ['true', true],
      certfile: ['cert.pem', 'cert.pem'],
      keyfile: ['key.pem', 'key.pem'],
      trusted_proxies: ['10.0.0.1, 192.168.1.0/24', ['10.0.0.1', '192.168.1.0/24']],
    };
    for (const key of Object.keys(shape)) {
      // Numbers: the maximum, which no default uses.
      const max = shape[key]!._zod.def.innerType?.maxValue;
      const [text, expected] = samples[key] ?? [String(max), max];
      assert.notEqual(text, 'undefined', `${key} needs a sample`);
      const config = loadConfig({ OPTIONS_PATH: missing, [key.toUpperCase()]: text });
      assert.deepEqual(config.options[key as keyof Config['options']], expected, key);
    }
  });

  it('treats null in the options file as unset (the Supervisor writes null for empty optional keys)', () => {
    const config = loadConfig({ OPTIONS_PATH: optionsFile({ notify_service: null, redis_url: null }), REDIS_URL: 'redis://h:1' });
    assert.equal(config.options.notify_service, undefined);
    assert.equal(config.options.redis_url, 'redis://h:1');
  });

  it('warns about unknown option keys instead of failing', () => {
    const config = loadConfig({ OPTIONS_PATH: optionsFile({ old_option: 1 }) });
    assert.deepEqual(config.warnings, ['options.old_option: unknown option, ignored']);
  });

  it('takes redis_url as the switch to Redis mode, without a warning', () => {
    const config = loadConfig({ OPTIONS_PATH: optionsFile({ redis_url: 'redis://127.0.0.1:6379' }) });
    assert.equal(config.options.redis_url, 'redis://127.0.0.1:6379');
    assert.deepEqual(config.warnings, []);
  });

  it('returns a frozen value', () => {
    const config = loadConfig({ OPTIONS_PATH: missing });
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.options) && Object.isFrozen(config.options.cors_origins));
    assert.throws(() => {
      (config.options as { max_clients: number }).max_clients = 1;
    }, TypeError);
  });
});

describe('loadConfig problems', () => {
  it('reports every problem at once, each as path: message', () => {
    const issues = issuesOf(() =>
      loadConfig({
        OPTIONS_PATH: optionsFile({ max_clients: 0, log_level: 'loud', redis_url: 'http://x', cors_origins: 'https://ok.example' }),
        PORT: 'eighty',
      }),
    );
    assert.equal(issues.length, 4, issues.join('\n'));
    for (const issue of issues) assert.match(issue, ISSUE);
    for (const path of ['options.max_clients', 'options.log_level', 'options.redis_url', 'env.PORT']) {
      assert.ok(issues.some((i) => i.startsWith(`${path}: `)), `${path} in ${issues.join(' | ')}`);
    }
    // An option given in the environment is reported under its option name.
    const fromEnv = issuesOf(() => loadConfig({ OPTIONS_PATH: missing, PING_INTERVAL: '1' }));
    assert.deepEqual(fromEnv.map((i) => i.split(':')[0]), ['options.ping_interval']);
  });

  it('reports an unreadable options file without quoting its content', () => {
    const secret = fakeToken();
    const issues = issuesOf(() => loadConfig({ OPTIONS_PATH: optionsFile(`{"redis_url": ${secret}}`) }));
    assert.equal(issues.length, 1);
    assert.match(issues[0]!, /options-\d+\.json: is not valid JSON/);
    assert.ok(!issues[0]!.includes(secret.slice(5)), 'the file content must not be echoed');
    assert.match(issuesOf(() => loadConfig({ OPTIONS_PATH: optionsFile([1, 2]) }))[0]!, /must hold a JSON object$/);
  });

  it('does not echo tokens in its messages', () => {
    const token = fakeToken();
    const issues = issuesOf(() => loadConfig({ OPTIONS_PATH: missing, HA_URL: 'ftp://ha.local', HA_TOKEN: token }));
    assert.deepEqual(issues.map((i) => i.split(':')[0]), ['env.HA_URL']);
    assert.ok(!issues.join('\n').includes(token));
  });
});

describe('TLS files and trusted proxies', () => {
  it('has no TLS files while ssl is off, whatever certfile says', () => {
    assert.equal(loadConfig({ OPTIONS_PATH: missing, CERTFILE: '/x/cert.pem' }).tls, undefined);
  });

  it('looks names up in /ssl in add-on mode and in SSL_DIR (default ./ssl) otherwise; absolute paths stay', () => {
    const addon = loadConfig({ OPTIONS_PATH: optionsFile({ ssl: true }), SUPERVISOR_TOKEN: fakeToken() });
    assert.deepEqual(addon.tls, { certFile: '/ssl/fullchain.pem', keyFile: '/ssl/privkey.pem' });
    const standalone = loadConfig({ OPTIONS_PATH: missing, SSL: 'true', SSL_DIR: '/etc/certs', KEYFILE: '/keys/k.pem' });
    assert.deepEqual(standalone.tls, { certFile: '/etc/certs/fullchain.pem', keyFile: '/keys/k.pem' });
    const relative = loadConfig({ OPTIONS_PATH: missing, SSL: '1' });
    assert.equal(relative.tls?.certFile, join(process.cwd(), 'ssl', 'fullchain.pem'));
  });

  it('reports a trusted_proxies entry that is not an address or range, and an ssl that is not a boolean', () => {
    const issues = issuesOf(() => loadConfig({ OPTIONS_PATH: optionsFile({ trusted_proxies: ['10.0.0.1', 'proxy.lan', '10.0.0.0/33'], ssl: 'yes please' }) }));
    assert.ok(issues.every((i) => ISSUE.test(i)), issues.join('\n'));
    assert.ok(issues.includes('options.trusted_proxies.1: "proxy.lan" is not an IP address or CIDR range'), issues.join('\n'));
    assert.ok(issues.includes('options.trusted_proxies.2: "10.0.0.0/33" is not an IP address or CIDR range'), issues.join('\n'));
    assert.ok(issues.some((i) => i.startsWith('options.ssl: ')), issues.join('\n'));
  });
});

describe('Home Assistant URL forms', () => {
  const cases: [string, string, string][] = [
    ['http://ha.local:8123', 'ws://ha.local:8123/api/websocket', 'http://ha.local:8123'],
    ['https://ha.example.com/', 'wss://ha.example.com/api/websocket', 'https://ha.example.com'],
    ['ws://ha.local:8123/api/websocket', 'ws://ha.local:8123/api/websocket', 'http://ha.local:8123'],
    ['wss://ha.example.com/api/websocket/', 'wss://ha.example.com/api/websocket', 'https://ha.example.com'],
    ['http://10.0.0.2:8123/ha', 'ws://10.0.0.2:8123/ha/api/websocket', 'http://10.0.0.2:8123/ha'],
  ];
  for (const [input, ws, rest] of cases) {
    it(`${input} → ${ws}`, () => {
      const config = loadConfig({ OPTIONS_PATH: missing, HA_URL: input, HA_TOKEN: fakeToken() });
      assert.equal(config.mode, 'standalone');
      assert.equal(config.upstream.kind, 'standalone');
      if (config.upstream.kind !== 'standalone') return;
      assert.equal(config.upstream.url, ws);
      assert.equal(config.upstream.restUrl, rest);
    });
  }
});

describe('mode selection', () => {
  it('add-on mode when SUPERVISOR_TOKEN is set, even with HA_URL, with /data as data dir', () => {
    const token = fakeToken();
    const config = loadConfig({ OPTIONS_PATH: missing, SUPERVISOR_TOKEN: token, HA_URL: 'http://ha.local:8123' });
    assert.equal(config.mode, 'addon');
    assert.deepEqual(config.upstream, { kind: 'addon', url: 'ws://supervisor/core/websocket', token, supervisorUrl: 'http://supervisor' });
    assert.equal(config.dataDir, '/data');
  });

  it('add-on mode derives the websocket proxy from SUPERVISOR_URL, the one Supervisor setting', () => {
    const token = fakeToken();
    const config = loadConfig({ OPTIONS_PATH: missing, SUPERVISOR_TOKEN: token, SUPERVISOR_URL: 'https://127.0.0.2:4567/' });
    assert.deepEqual(config.upstream, { kind: 'addon', url: 'wss://127.0.0.2:4567/core/websocket', token, supervisorUrl: 'https://127.0.0.2:4567/' });
  });

  it('standalone mode with HA_URL and HA_TOKEN, data in DATA_DIR', () => {
    const config = loadConfig({ OPTIONS_PATH: missing, HA_URL: 'http://ha.local:8123', HA_TOKEN: fakeToken(), DATA_DIR: '/tmp/x' });
    assert.equal(config.mode, 'standalone');
    assert.equal(config.dataDir, '/tmp/x');
  });

  it('demo mode with neither, at DEMO_EVENT_RATE', () => {
    const config = loadConfig({ OPTIONS_PATH: missing, DEMO_EVENT_RATE: '2.5' });
    assert.equal(config.mode, 'demo');
    assert.deepEqual(config.upstream, { kind: 'demo', eventRate: 2.5 });
    assert.deepEqual(loadConfig({ OPTIONS_PATH: missing }).upstream, { kind: 'demo', eventRate: 5 });
  });

  it('HA_URL without HA_TOKEN (or the reverse) is an error, reported with the other problems', () => {
    assert.deepEqual(issuesOf(() => loadConfig({ OPTIONS_PATH: missing, HA_URL: 'http://ha.local:8123' })), [
      'env.HA_TOKEN: required when HA_URL is set',
    ]);
    assert.deepEqual(issuesOf(() => loadConfig({ OPTIONS_PATH: missing, HA_TOKEN: fakeToken() })), [
      'env.HA_URL: required when HA_TOKEN is set',
    ]);
    const both = issuesOf(() => loadConfig({ OPTIONS_PATH: optionsFile({ max_clients: -1 }), HA_URL: 'http://ha.local:8123' }));
    assert.deepEqual(both.map((i) => i.split(':')[0]).sort(), ['env.HA_TOKEN', 'options.max_clients']);
  });
});
