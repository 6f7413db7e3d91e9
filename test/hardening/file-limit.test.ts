/**
 * The product under a low open-file limit, as a real process started with `ulimit -n 150`
 * (soft and hard) and `max_clients: 200`: it says so once in the log and in `/healthz`, accepts
 * the streams the limit leaves room for, refuses the next ones cleanly (503 `file_limit_reached`
 * with the JSON envelope; an EventSource gets the same code as an `error` event), the streams
 * already open keep receiving events, nothing is logged as failed, and a closed stream frees its
 * slot (src/hub/file-budget.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { RecordingEventSource } from '../http/subscribe-harness.ts';
import { childEnv, demoAdminToken, findLine, killLeftovers, start, waitFor, within } from '../process-harness.ts';
import { healthDataSchema } from '../../src/http/routes/health.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sse-hub-nofile-'));
const NOFILE = 150;
const streams: RecordingEventSource[] = [];

after(() => {
  for (const es of streams) es.close();
  killLeftovers();
  rmSync(dir, { recursive: true, force: true });
});

interface Health {
  data: { status: string; file_limit?: { open_files_limit: number; open_files_needed: number; streams_allowed: number } };
}

const stateChanges = (es: RecordingEventSource) => es.ofType('state_changed').length;

test(`under ulimit -n ${String(NOFILE)}: refuses streams past the limit cleanly, the open ones keep receiving`, { timeout: 120_000 }, async () => {
  const env = childEnv(dir, { MAX_CLIENTS: '200', DEMO_EVENT_RATE: '20', STREAM_LIMIT: '0', RATE_LIMIT_PER_MINUTE: '100000' });
  const run = start(['--import', 'tsx', 'src/main.ts'], ROOT, env, { nofile: NOFILE });
  const started = await waitFor('"SSE Hub started"', run, () => findLine(run.stdout(), 'SSE Hub started'), 40_000);
  const token = await demoAdminToken(run);
  const base = `http://127.0.0.1:${String(started.lanPort)}`;

  const warnings = run.stdout().split('\n').filter((line) => line.includes('open-file limit'));
  assert.equal(warnings.length, 1, 'said once in the log');
  assert.equal(JSON.parse(warnings[0]!).level, 40);

  const health = (await (await fetch(`${base}/healthz`)).json()) as Health;
  healthDataSchema.parse(health.data); // the answer's one description (strict: no field beyond it)
  assert.equal(health.data.status, 'ok');
  const shortfall = health.data.file_limit;
  assert.ok(shortfall, '/healthz reports the shortfall');
  assert.equal(shortfall.open_files_limit, NOFILE);
  assert.ok(shortfall.open_files_needed > 200);
  const allowed = shortfall.streams_allowed;
  assert.ok(allowed > 10 && allowed < 200, `${String(allowed)} streams allowed`);

  const open = () => {
    const es = new RecordingEventSource(`${base}/subscribe_events?events=state_changed`, { Authorization: `Bearer ${token}` });
    streams.push(es);
    return es;
  };
  const accepted = Array.from({ length: allowed }, open);
  for (const es of accepted) await es.waitFor((s) => s.ofType('connection').length === 1, 'an accepted stream opens');

  // Past the limit: a plain HTTP client gets the 503 envelope, an EventSource the same code as an error event.
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${base}/subscribe_events`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 503);
    assert.ok(Number(res.headers.get('retry-after')) > 0, 'with Retry-After');
    const body = (await res.json()) as { success: boolean; error_code: string; message: string };
    assert.equal(body.success, false);
    assert.equal(body.error_code, 'file_limit_reached');
    assert.match(body.message, /open-file limit/);
  }
  const refused = open();
  await refused.waitFor((s) => s.messages.some((m) => m.json.type === 'error' && m.json.error === 'file_limit_reached'), 'the EventSource refusal');
  refused.close();

  // The open streams keep receiving: each gets events fired after the refusals.
  const seen = accepted.map(stateChanges);
  for (const [i, es] of accepted.entries()) await es.waitFor(() => stateChanges(es) > seen[i]! + 1, `stream ${String(i)} keeps receiving`, 15_000);
  assert.ok(accepted.every((es) => es.ofType('error').length === 0), 'no open stream was told of an error');

  // A closed stream frees its slot.
  accepted.pop()!.close();
  const active = async () =>
    ((await (await fetch(`${base}/api/sse/stats`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { data: { active_connections: number } }).data
      .active_connections;
  for (let n = await active(); n !== allowed - 1; n = await active()) await new Promise((resolve) => setTimeout(resolve, 50)); // the server saw the close
  const again = open();
  await again.waitFor((s) => s.ofType('connection').length === 1 || s.messages.some((m) => m.json.type === 'error'), 'the stream after a close');
  assert.equal(again.ofType('connection').length, 1, 'accepted once a slot is free');

  assert.equal((await fetch(`${base}/healthz`)).status, 200, 'still serving');
  assert.doesNotMatch(run.stdout() + run.stderr(), /EMFILE|"level":5\d/, 'no EMFILE, no error logged');
  run.child.kill('SIGTERM');
  assert.deepEqual(await within(run.exit, 5000), { code: 0, signal: null }, run.stderr());
});
