/**
 * A first run that explains itself, as a new user meets it (a real child process in demo mode):
 * a banner with URLs and both demo tokens, tokens that survive a restart, a non-admin token that
 * streams but is refused statistics, the demo home listed by the banner's curl line, stream open
 * and close at debug level without tokens, SIGHUP stopping like SIGTERM, and a port in use
 * reported in one line with exit 1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStream } from './http/subscribe-harness.ts';
import { childEnv, findLine, killLeftovers, start as startProcess, waitFor, within, type Run } from './process-harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sse-hub-first-run-'));
after(() => {
  killLeftovers();
  rmSync(dir, { recursive: true, force: true });
});
const start = (env: NodeJS.ProcessEnv) => startProcess(['--import', 'tsx', 'src/main.ts'], ROOT, env);

interface Banner {
  base: string;
  admin: string;
  user: string;
  statesLine: string;
}

async function banner(run: Run): Promise<Banner> {
  return waitFor('the demo banner', run, () => {
    const out = run.stdout();
    const end = out.indexOf('All options: node dist/main.js --help');
    if (end < 0) return undefined;
    const base = /API and panel: +(http:\/\/\S+)\//.exec(out)?.[1];
    const admin = /Admin token: +(\S+)/.exec(out)?.[1];
    const user = /User token: +(\S+)/.exec(out)?.[1];
    const statesLine = /curl -s -H "Authorization: Bearer \S+" (\S+\/api\/states)/.exec(out)?.[1];
    assert.ok(base && admin && user && statesLine, out);
    return { base, admin, user, statesLine };
  }, 40_000);
}

async function stop(run: Run, signal: NodeJS.Signals): Promise<void> {
  run.child.kill(signal);
  assert.deepEqual(await within(run.exit, 3000), { code: 0, signal: null }, run.stderr());
}

describe('first run in demo mode', () => {
  const dataDir = join(dir, 'data');
  let first: Banner;

  it('prints a banner with URLs, both tokens and lines that work as pasted; keeps the tokens in the data directory', { timeout: 60_000 }, async () => {
    const run = start(childEnv(dir, { DEMO_EVENT_RATE: '0', LOG_LEVEL: 'debug' }));
    first = await banner(run);
    assert.notEqual(first.admin, first.user);
    const stored = JSON.parse(readFileSync(join(dataDir, 'demo-tokens.json'), 'utf8')) as Record<string, string>;
    assert.deepEqual(stored, { admin: first.admin, user: first.user });
    assert.equal(statSync(join(dataDir, 'demo-tokens.json')).mode & 0o777, 0o600);

    // The banner's "what the demo home contains" line.
    const states = (await (await fetch(first.statesLine, { headers: { Authorization: `Bearer ${first.admin}` } })).json()) as { entity_id: string }[];
    assert.ok(states.some((s) => s.entity_id.startsWith('light.')), 'the demo home has lights');

    // The non-admin token streams but is refused the statistics.
    const stream = await openStream(`${first.base}/subscribe_events?domain=light&token=${first.user}`);
    await stream.waitFor((s) => s.frames.some((f) => f.json.type === 'connection'), 'connection');
    const stats = await fetch(`${first.base}/api/sse/stats`, { headers: { Authorization: `Bearer ${first.user}` } });
    assert.equal(stats.status, 403);
    assert.equal((await fetch(`${first.base}/api/sse/stats`, { headers: { Authorization: `Bearer ${first.admin}` } })).status, 200);

    // Open and close at debug level, naming the user, never the token.
    const opened = await waitFor('stream opened', run, () => findLine(run.stdout(), 'stream opened'), 10_000);
    assert.equal(opened.user, 'Demo User');
    assert.ok(Array.isArray(opened.subscriptions) && opened.subscriptions.length > 0, 'with its subscriptions');
    stream.close();
    const closed = await waitFor('stream closed', run, () => findLine(run.stdout(), 'stream closed'), 10_000);
    assert.equal(closed.reason, 'client_closed');
    const logLines = run.stdout().split('\n').filter((l) => l.startsWith('{'));
    for (const line of logLines.filter((l) => l.includes('stream '))) assert.ok(!line.includes(first.user), line);

    await stop(run, 'SIGHUP');
    assert.equal(findLine(run.stdout(), 'shutting down')?.signal, 'SIGHUP');
  });

  it('after a restart the same tokens work', { timeout: 60_000 }, async () => {
    const run = start(childEnv(dir, { DEMO_EVENT_RATE: '0' }));
    const again = await banner(run);
    assert.equal(again.admin, first.admin);
    assert.equal(again.user, first.user);
    assert.equal((await fetch(`${again.base}/api/sse/stats`, { headers: { Authorization: `Bearer ${first.admin}` } })).status, 200);
    await stop(run, 'SIGTERM');
  });
});

describe('a port already in use', () => {
  it('gives one clear line on stderr and exit 1, without a banner or a stack', { timeout: 60_000 }, async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = start(childEnv(dir, { PORT: String(port), DEMO_EVENT_RATE: '0' }));
      assert.deepEqual(await within(run.exit, 40_000), { code: 1, signal: null }, run.stderr());
      const lines = run.stderr().trim().split('\n');
      assert.equal(lines.length, 1, run.stderr());
      assert.match(lines[0]!, new RegExp(`^SSE Hub: port ${String(port)} on 127\\.0\\.0\\.1 is already in use; choose another with PORT`));
      assert.ok(!run.stdout().includes('DEMO MODE: a simulated home'), 'no banner');
      assert.ok(!run.stdout().includes('EADDRINUSE'), 'no stack in the log');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
