/**
 * Configuration a person gets right the first time: log level aliases, `--help` generated from the
 * zod schemas (exit 0, every option and environment variable with its default), and a readable log
 * in a terminal while pipes keep JSON.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { envSchema, loadConfig, optionsSchema } from '../src/config/config.ts';
import { createLogger } from '../src/base/log.ts';
import { prettyLine } from '../src/base/log-pretty.ts';
import { childEnv, findLine, killLeftovers, start as startProcess, within } from './process-harness.ts';
import { until } from './until.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sse-hub-cli-'));
after(() => {
  killLeftovers();
  rmSync(dir, { recursive: true, force: true });
});
const missing = join(dir, 'missing.json');
/** A port the OS just handed out and released, so the child can be told where to listen. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
const start = (args: string[], env: NodeJS.ProcessEnv) => startProcess(['--import', 'tsx', 'src/main.ts', ...args], ROOT, env);

describe('log level aliases', () => {
  for (const [given, level] of [['warn', 'warning'], ['WARN', 'warning'], ['err', 'error'], ['Debug', 'debug'], ['critical', 'fatal']] as const) {
    it(`LOG_LEVEL=${given} means ${level}`, () => {
      assert.equal(loadConfig({ OPTIONS_PATH: missing, LOG_LEVEL: given }).options.log_level, level);
    });
  }
  it('still refuses a level that is no alias', () => {
    assert.throws(() => loadConfig({ OPTIONS_PATH: missing, LOG_LEVEL: 'loud' }), /options\.log_level/);
  });
});

describe('node src/main.ts --help', () => {
  it('exits 0 and lists the modes, every environment variable and every option with its default', { timeout: 40_000 }, async () => {
    const run = start(['--help'], childEnv(dir));
    assert.deepEqual(await within(run.exit, 30_000), { code: 0, signal: null }, run.stderr());
    const text = run.stdout();
    for (const mode of ['add-on', 'standalone', 'demo']) assert.match(text, new RegExp(`^  ${mode} `, 'm'));
    const defaults = optionsSchema.parse({}) as Record<string, unknown>;
    for (const key of Object.keys(optionsSchema.shape)) {
      const line = text.split('\n').find((l) => l.startsWith(`  ${key} `));
      assert.ok(line, `${key} is listed`);
      assert.ok(line.includes(key.toUpperCase()), `${key} names its environment variable`);
      const def = defaults[key];
      if (def !== undefined) assert.ok(line.includes(`(default ${Array.isArray(def) ? `[${def.join(',')}]` : String(def)})`), line);
    }
    for (const key of Object.keys(envSchema.shape)) assert.match(text, new RegExp(`^  ${key} `, 'm'));
    assert.match(text, /^ {2}PORT +integer 0\.\.65535 \(default 3000\)$/m);
    assert.match(text, /warn=warning/);
  });

  it('starts with LOG_LEVEL=warn', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const run = start([], childEnv(dir, { LOG_LEVEL: 'warn', DEMO_EVENT_RATE: '0', PORT: String(port) }));
    let status = 0;
    const up = async () => (status = await fetch(`http://127.0.0.1:${String(port)}/healthz`).then((r) => r.status, () => 0)) === 200;
    // An exited process ends the wait too: the assertion below then shows its stderr.
    await until(async () => (await up()) || run.child.exitCode !== null, '/healthz', 40_000).catch(() => undefined);
    assert.equal(status, 200, `the process serves /healthz; stderr:\n${run.stderr()}`);
    assert.equal(findLine(run.stdout(), 'SSE Hub started'), undefined, 'info lines are filtered at warning level');
    run.child.kill('SIGTERM');
    assert.deepEqual(await within(run.exit, 5000), { code: 0, signal: null }, run.stderr());
  });
});

describe('terminal log format', () => {
  it('renders a JSON line as time, level, message and fields, with the error stack indented', () => {
    const line = JSON.stringify({ level: 40, time: '2026-01-02T03:04:05.678Z', msg: 'slow consumer', id: 'c1', note: 'two words', err: { stack: 'Error: x\n    at y' } });
    assert.equal(prettyLine(line), '03:04:05 WARN  slow consumer id=c1 note="two words"\n    Error: x\n        at y\n');
    assert.equal(prettyLine('not json\n'), 'not json\n');
  });

  it('a logger with pretty: true writes readable lines, still without secrets', () => {
    let out = '';
    const destination = new Writable({
      write(chunk: Buffer | string, _e, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const logger = createLogger({ level: 'info', destination, pretty: true });
    logger.info({ url: '/subscribe_events?token=abcdefgh12345678' }, 'opened');
    assert.match(out, /^\d\d:\d\d:\d\d INFO {2}opened url="\/subscribe_events\?token=\[REDACTED\]"\n$/);
  });
});
