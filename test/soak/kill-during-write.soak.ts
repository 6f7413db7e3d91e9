/**
 * SIGKILL during writes, 30 times (KILL_ROUNDS): the real product (demo mode) is killed while a
 * client updates alert thresholds one acknowledged PUT after another, and, at the same moment, a
 * writer process (metrics-writer.ts) committing minute rollups through the real MetricsStore.
 * After every kill: `PRAGMA integrity_check` is ok on both databases, the last acknowledged
 * threshold and rollup are there, and the restarted product answers /healthz. Spawn-to-healthy
 * times are reported (they include tsx compiling the sources), asserted only loosely.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { childEnv, demoAdminToken, findLine, killLeftovers, start, waitFor, type Run } from '../process-harness.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ROUNDS = Number(process.env.KILL_ROUNDS ?? 30);
const dir = mkdtempSync(join(tmpdir(), 'sse-hub-kill-'));
const env = childEnv(dir, { DEMO_EVENT_RATE: '20', RATE_LIMIT_PER_MINUTE: '100000' });
const dataDir = env.DATA_DIR!;

after(() => {
  killLeftovers();
  rmSync(dir, { recursive: true, force: true });
});

function integrity(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

function lastAck(run: Run): number | undefined {
  const acks = run.stdout().match(/^ack (\d+)$/gm);
  return acks ? Number(acks[acks.length - 1]!.slice(4)) : undefined;
}

async function healthy(run: Run): Promise<{ base: string; token: string; ms: number }> {
  const spawned = performance.now();
  const line = await waitFor('"SSE Hub started"', run, () => findLine(run.stdout(), 'SSE Hub started'), 40_000);
  const base = `http://127.0.0.1:${String(line.lanPort)}`;
  for (;;) {
    const res = await fetch(`${base}/healthz`).catch(() => undefined);
    if (res?.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const token = await demoAdminToken(run);
  return { base, token, ms: performance.now() - spawned };
}

test(`SIGKILL ${ROUNDS} times during metric and threshold writes`, async (t) => {
  const restartMs: number[] = [];
  let writerTs = Date.now() - 86_400_000;
  let acknowledged = 0;
  let rollupsAcked = 0;
  let value = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const product = start(['--import', 'tsx', 'src/main.ts'], ROOT, env);
    const { base, token, ms } = await healthy(product);
    restartMs.push(ms);
    if (round > 0) {
      // The threshold acknowledged before the previous kill is what the restarted service reports.
      const res = await fetch(`${base}/api/sse/alerts/thresholds`, { headers: { Authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { data: { thresholds: { connections: number } } };
      assert.equal(body.data.thresholds.connections, value, `round ${round}: the surviving threshold is in force`);
    }
    const writer = start(['--import', 'tsx', 'test/soak/metrics-writer.ts', dataDir, String(writerTs)], ROOT, env);
    await waitFor('the writer commits', writer, () => lastAck(writer), 20_000);
    // Acknowledged threshold writes, one after another, until the kill lands mid-stream.
    let lastAcked = value;
    let stop = false;
    const puts = (async () => {
      while (!stop) {
        const next = lastAcked + 1;
        const res = await fetch(`${base}/api/sse/alerts/thresholds`, {
          method: 'PUT',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ connections: 1 + (next % 9000) }),
        }).catch(() => undefined);
        if (res?.status !== 200) return;
        await res.arrayBuffer();
        lastAcked = next;
        acknowledged++;
      }
    })();
    await waitFor('some acknowledged writes', product, () => (lastAcked >= value + 3 + (round % 7) ? true : undefined), 20_000);
    product.child.kill('SIGKILL');
    writer.child.kill('SIGKILL');
    stop = true;
    await Promise.all([product.exit, writer.exit, puts]);

    assert.equal(integrity(join(dataDir, 'metrics.db')), 'ok', `round ${round}: the product's database`);
    assert.equal(integrity(join(dataDir, 'writer.db')), 'ok', `round ${round}: the writer's database`);
    const saved = new Database(join(dataDir, 'metrics.db'), { readonly: true });
    const row = saved.prepare("SELECT value FROM alert_threshold WHERE key = 'connections'").get() as { value: number } | undefined;
    saved.close();
    // The last acknowledged value survives; a PUT in flight at the kill may have committed after it.
    const expected = [1 + (lastAcked % 9000), 1 + ((lastAcked + 1) % 9000)];
    assert.ok(row && expected.includes(row.value), `round ${round}: threshold ${row?.value} after ack of ${expected[0]}`);
    value = row.value;
    lastAcked = value;

    const ack = lastAck(writer)!;
    const rollups = new Database(join(dataDir, 'writer.db'), { readonly: true });
    const found = rollups.prepare('SELECT COUNT(*) AS n FROM rollup_minute WHERE ts = ?').get(ack) as { n: number };
    rollups.close();
    assert.equal(found.n, 1, `round ${round}: the last acknowledged rollup (${ack}) survives`);
    rollupsAcked += (writer.stdout().match(/^ack /gm) ?? []).length;
    writerTs = ack + 60_000 * 10;
  }
  const sorted = restartMs.slice(1).sort((a, b) => a - b);
  t.diagnostic(
    `${ROUNDS} kills; ${acknowledged} threshold PUTs and ${rollupsAcked} rollups acknowledged; integrity ok ${ROUNDS}/${ROUNDS}; ` +
      `spawn to healthy (tsx compiling the sources included): clean first start ${restartMs[0]!.toFixed(0)} ms, ` +
      `after a kill median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, max ${sorted[sorted.length - 1]!.toFixed(0)} ms`,
  );
  assert.ok(sorted[sorted.length - 1]! < 30_000, 'every restart became healthy');
});
