/**
 * The process entry in a real child process: it starts (demo mode, ports 0, loopback), serves
 * /healthz, and exits 0 within 2 s of SIGTERM; an invalid configuration exits 2 and lists every
 * problem as `path: message` on stderr.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { childEnv, findLine, killLeftovers, start as startProcess, waitFor, within } from './process-harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sse-hub-main-'));
after(() => {
  killLeftovers();
  rmSync(dir, { recursive: true, force: true });
});

const start = (env: NodeJS.ProcessEnv) => startProcess(['--import', 'tsx', 'src/main.ts'], ROOT, env);

describe('src/main.ts as a process', () => {
  it('starts, serves /healthz and exits 0 within 2 s of SIGTERM', { timeout: 60_000 }, async () => {
    const run = start(childEnv(dir));
    const started = await waitFor('"SSE Hub started"', run, () => findLine(run.stdout(), 'SSE Hub started'), 40_000);
    assert.equal(started.mode, 'demo');
    const lanPort = started.lanPort;
    assert.ok(typeof lanPort === 'number' && lanPort > 0, 'the started line names the LAN port');

    const res = await fetch(`http://127.0.0.1:${lanPort}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { data: { status: string } }).data.status, 'ok');

    const sent = Date.now();
    run.child.kill('SIGTERM');
    const result = await within(run.exit, 2000);
    assert.notEqual(result, 'timeout', `no exit within 2 s of SIGTERM\n${run.stdout()}`);
    assert.deepEqual(result, { code: 0, signal: null }, run.stderr());
    assert.ok(Date.now() - sent <= 2000);
    assert.ok(findLine(run.stdout(), 'shutting down'), 'the shutdown is logged');
  });

  it('exits 2 and lists every problem as path: message for an invalid configuration', { timeout: 60_000 }, async () => {
    const options = join(dir, 'bad-options.json');
    writeFileSync(options, JSON.stringify({ max_clients: 0, log_level: 'loud', redis_url: 'http://not-redis', ping_interval: 'often' }));
    const run = start(childEnv(dir, { OPTIONS_PATH: options, INGRESS_PORT: 'none', HA_URL: 'http://ha.local:8123' }));
    const result = await within(run.exit, 40_000);
    assert.deepEqual(result, { code: 2, signal: null }, run.stderr());
    const lines = run.stderr().trim().split('\n');
    assert.equal(lines[0], 'SSE Hub: invalid configuration');
    const problems = lines.slice(1);
    for (const path of ['options.max_clients', 'options.log_level', 'options.redis_url', 'options.ping_interval', 'env.INGRESS_PORT', 'env.HA_TOKEN']) {
      assert.ok(problems.some((p) => p.startsWith(`${path}: `)), `${path} missing in:\n${run.stderr()}`);
    }
    for (const problem of problems) assert.match(problem, /^(env|options)\.[A-Za-z0-9_.]+: \S.*$/);
    assert.equal(problems.length, 6, run.stderr());
    assert.equal(findLine(run.stdout(), 'SSE Hub started'), undefined);
  });
});
