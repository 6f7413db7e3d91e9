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
import { openStream } from './http/subscribe-harness.ts';
import { childEnv, demoAdminToken, findLine, killLeftovers, start as startProcess, waitFor, within, type Run } from './process-harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sse-hub-main-'));
after(() => {
  killLeftovers();
  rmSync(dir, { recursive: true, force: true });
});

const start = (env: NodeJS.ProcessEnv) => startProcess(['--import', 'tsx', 'src/main.ts'], ROOT, env);

/** Waits for the started line; returns the LAN base URL and the demo token the log prints on purpose. */
async function started(run: Run): Promise<{ base: string; token: string }> {
  const line = await waitFor('"SSE Hub started"', run, () => findLine(run.stdout(), 'SSE Hub started'), 40_000);
  const token = await demoAdminToken(run);
  return { base: `http://127.0.0.1:${String(line.lanPort)}`, token };
}

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

  it('on SIGTERM, open streams hear server_shutdown with a retry hint before the process exits 0', { timeout: 60_000 }, async () => {
    const run = start(childEnv(dir, { DEMO_EVENT_RATE: '0' }));
    const { base, token } = await started(run);
    const stream = await openStream(`${base}/subscribe_events?domain=light`, { headers: { Authorization: `Bearer ${token}` } });
    await stream.waitFor((s) => s.frames.some((f) => f.json.type === 'connection'), 'connection');
    run.child.kill('SIGTERM');
    assert.deepEqual(await within(run.exit, 2000), { code: 0, signal: null }, run.stderr());
    await stream.waitFor((s) => s.ended, 'the stream ends');
    const shutdown = stream.frames.find((f) => f.json.type === 'error');
    assert.equal(shutdown?.json.error, 'server_shutdown');
    assert.ok(Number(shutdown?.retry) > 0, 'with a retry hint');
  });

  it('prints the demo admin token in the banner only: no log line carries it', { timeout: 60_000 }, async () => {
    const run = start(childEnv(dir, { DEMO_EVENT_RATE: '0' }));
    const { base, token } = await started(run);
    // A refused request with the token in the query string gives the logger a chance to repeat it.
    await fetch(`${base}/api/sse/stats?token=${token}x`);
    run.child.kill('SIGTERM');
    assert.deepEqual(await within(run.exit, 2000), { code: 0, signal: null }, run.stderr());
    const logLines = `${run.stdout()}\n${run.stderr()}`.split('\n').filter((line) => line.startsWith('{'));
    assert.ok(logLines.some((line) => line.includes('DEMO MODE')), 'demo mode is still announced in the log');
    assert.ok(logLines.length >= 3, 'there are log lines to check');
    for (const line of logLines) assert.ok(!line.includes(token), `a log line carries the demo token: ${line}`);
    assert.ok(run.stdout().includes(`Admin token:    ${token}`), 'the banner shows it');
  });

  it('keeps alert thresholds changed at run time across kill -9 (SQLite in the data folder)', { timeout: 90_000 }, async () => {
    const env = childEnv(dir, { DATA_DIR: join(dir, 'kill9-data'), DEMO_EVENT_RATE: '20' });
    const first = start(env);
    const a = await started(first);
    const put = await fetch(`${a.base}/api/sse/alerts/thresholds`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${a.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ connections: 42 }),
    });
    assert.equal(put.status, 200);
    first.child.kill('SIGKILL');
    assert.deepEqual(await within(first.exit, 5000), { code: null, signal: 'SIGKILL' });

    const second = start(env);
    const b = await started(second);
    const res = await fetch(`${b.base}/api/sse/alerts/thresholds`, { headers: { Authorization: `Bearer ${b.token}` } });
    const body = (await res.json()) as { data: { thresholds: { connections: number } } };
    assert.equal(body.data.thresholds.connections, 42);
    const history = await fetch(`${b.base}/api/sse/history?period=1h`, { headers: { Authorization: `Bearer ${b.token}` } });
    assert.equal(history.status, 200, 'the database opens cleanly after the crash');
    assert.ok(!second.stdout().includes('"level":50'), `no errors after the crash:\n${second.stdout()}`);
    second.child.kill('SIGTERM');
    assert.deepEqual(await within(second.exit, 2000), { code: 0, signal: null });
  });
});
