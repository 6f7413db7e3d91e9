/**
 * 100 clients that never read (raw sockets, paused) while 4 KiB events arrive at 200/s, against
 * the real product process (standalone mode, the simulator in this process). The product's RSS
 * must stay within what `slow_consumer_limit_kb` allows per stream (plus a fixed allowance), where
 * unbounded buffering would grow by ~800 KB/s per client, the backlog the server reports stays under
 * that limit per stream, every stalled stream is cut as a slow consumer, and the reading client gets
 * every event. Its p99 latency alone and with the stalled clients is reported (timing figures are
 * not asserted on a shared machine; bench/ measures them).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { EventSource } from 'eventsource';
import { HaSimulator } from '../../src/simulator/index.ts';
import { childEnv, findLine, killLeftovers, start, waitFor, type Run } from '../process-harness.ts';
import { until } from '../until.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STALLED = 100;
const RATE = 200;
const LIMIT_KB = 256;
const PHASE_MS = Number(process.env.STALL_PHASE_MS ?? 8000);
const PAD = 'x'.repeat(4096);

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-stalled-'));
const core = new HaSimulator({ seed: 5 });
let run: Run;
let port: number;
const sockets: Socket[] = [];

before(async () => {
  await core.start();
  run = start(
    ['--import', 'tsx', 'src/main.ts'],
    ROOT,
    childEnv(dir, {
      HA_URL: core.url,
      HA_TOKEN: core.adminToken,
      STREAM_LIMIT: '1000',
      MAX_CLIENTS: '300',
      SLOW_CONSUMER_LIMIT_KB: String(LIMIT_KB),
      ALERT_BACKLOG_KB: '0',
    }),
  );
  const line = await waitFor('"SSE Hub started"', run, () => findLine(run.stdout(), 'SSE Hub started'), 40_000);
  port = Number(line.lanPort);
});

after(async () => {
  for (const socket of sockets) socket.destroy();
  killLeftovers();
  await core.stop();
  rmSync(dir, { recursive: true, force: true });
});

function rssMb(): number {
  const status = readFileSync(`/proc/${run.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
}

/** Fires 4 KiB events at RATE/s for `ms`, in batches every 50 ms; returns the events fired. */
async function drive(ms: number, seqStart: number, onTick?: () => void): Promise<number> {
  const batch = RATE / 20;
  let seq = seqStart;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < batch; i++) core.fireEvent('soak_big', { seq: ++seq, t: Date.now(), pad: PAD });
    onTick?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return seq;
}

test(`${STALLED} stalled clients, 4 KiB events at ${RATE}/s`, async (t) => {
  const latencies: number[] = [];
  const reader = new EventSource(`http://127.0.0.1:${port}/subscribe_events?events=soak_big`, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, Authorization: `Bearer ${core.adminToken}` } }),
  });
  let received = 0;
  reader.onmessage = (e) => {
    const json = JSON.parse(e.data) as { type: string; data?: { t?: number } };
    if (json.type !== 'soak_big' || typeof json.data?.t !== 'number') return;
    received++;
    latencies.push(Date.now() - json.data.t);
  };
  try {
    await until(() => core.activeSubscriptions().some((s) => s.userId === core.adminUser.id && s.eventTypes.includes('soak_big')), 'soak_big subscribed', 20_000);
    // Phase A: the reading client alone.
    let seq = await drive(PHASE_MS / 2, 0);
    await until(() => received === seq, 'the reader has phase A', 10_000);
    const before = latencies.splice(0);
    const rssBefore = rssMb();

    // Phase B: 100 clients that send their request and never read a byte.
    for (let i = 0; i < STALLED; i++) {
      const socket = connect({ host: '127.0.0.1', port });
      socket.on('error', () => undefined);
      socket.write(`GET /subscribe_events?events=soak_big HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${core.adminToken}\r\n\r\n`);
      socket.pause();
      sockets.push(socket);
    }
    // Drive until every stalled stream has been cut as a slow consumer (at least PHASE_MS, at most 40 s),
    // sampling RSS and the backlog the server reports (bytes waiting in socket buffers).
    let rssPeak = rssBefore;
    let backlogPeak = 0;
    let active = STALLED + 1;
    const phaseStart = performance.now();
    const stats = async (): Promise<{ active_connections: number; event_backlog: number }> => {
      const res = await fetch(`http://127.0.0.1:${port}/api/sse/stats`, { headers: { Authorization: `Bearer ${core.adminToken}` } });
      return ((await res.json()) as { data: { active_connections: number; event_backlog: number } }).data;
    };
    while (performance.now() - phaseStart < 40_000 && (performance.now() - phaseStart < PHASE_MS || active > 1)) {
      seq = await drive(1000, seq, () => (rssPeak = Math.max(rssPeak, rssMb())));
      const now = await stats();
      active = now.active_connections;
      backlogPeak = Math.max(backlogPeak, now.event_backlog);
    }
    const phaseSeconds = (performance.now() - phaseStart) / 1000;
    await until(() => received === seq, 'the reader has every event of phase B', 10_000);
    const during = latencies.splice(0);

    const growth = rssPeak - rssBefore;
    const bound = (STALLED * LIMIT_KB) / 1024 + 64;
    const backlogBound = STALLED * (LIMIT_KB + 16) * 1024;
    t.diagnostic(
      `reader p99 ${p99(before)} ms alone (${before.length} events), ${p99(during)} ms with ${STALLED} stalled (${during.length} events, reported, not asserted: load on a shared machine); ` +
        `RSS ${rssBefore.toFixed(0)} MB → peak ${rssPeak.toFixed(0)} MB (+${growth.toFixed(0)} MB, bound ${bound.toFixed(0)} MB); ` +
        `backlog peak ${(backlogPeak / 1048576).toFixed(1)} MB (bound ${(backlogBound / 1048576).toFixed(1)} MB); ` +
        `phase ${phaseSeconds.toFixed(1)} s, ${active} stream(s) left (the reader)`,
    );
    assert.equal(active, 1, 'every stalled stream was closed as a slow consumer; the reader stayed');
    assert.ok(backlogPeak <= backlogBound, `buffered bytes ${backlogPeak} within ${backlogBound}`);
    assert.ok(growth < bound, `RSS growth ${growth.toFixed(0)} MB within ${bound.toFixed(0)} MB`);
    assert.equal(run.child.exitCode, null);
  } finally {
    reader.close();
  }
});
