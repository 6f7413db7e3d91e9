/**
 * 20 000 connect/disconnect cycles (CHURN_CYCLES) against the composed server in demo mode:
 * each client opens /subscribe_events (some with event types nobody else streams, so core
 * subscriptions come and go), reads its `connection` frame and hangs up. Afterwards no stream,
 * core subscription, socket or timer is left behind, and the heap (after GC) is back within 5 MB.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadConfig } from '../../src/config.ts';
import { SseHubServer } from '../../src/server.ts';
import type { HaSimulator } from '../../src/simulator/index.ts';
import { until } from '../http/subscribe-harness.ts';
import { captureLogger } from '../log-capture.ts';
import { childEnv } from '../process-harness.ts';

const CYCLES = Number(process.env.CHURN_CYCLES ?? 20_000);
const PARALLEL = 16;
const QUERIES = ['', '?events=call_service', '?events=automation_triggered', '?entity_id=light.kitchen', '?events=state_changed,call_service'];

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-churn-'));
let server: SseHubServer;
let sim: HaSimulator;

before(async () => {
  const config = loadConfig(
    childEnv(dir, { DEMO_EVENT_RATE: '20', STREAM_LIMIT: '1000', STREAM_LIMIT_WINDOW: '1', MAX_CLIENTS: '1000', RATE_LIMIT_PER_MINUTE: '100000' }),
  );
  server = new SseHubServer(config, captureLogger('info').logger);
  await server.start();
  sim = server.simulator!;
  await until(() => server.bridge.state === 'connected', 'upstream connected', 5000);
});

after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a stream, waits for its first frame, hangs up. Resolves with the status (429 = over the stream limit). */
function cycle(port: number, query: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: `/subscribe_events${query}`, agent: false, headers: { Authorization: `Bearer ${sim.adminToken}` } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          return;
        }
        res.once('data', () => {
          req.destroy();
          resolve(200);
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

test(`${CYCLES} connect/disconnect cycles leave nothing behind`, async (t) => {
  const port = server.lan.port;
  // Warm up (JIT, caches, first subscriptions) before the baseline.
  for (let i = 0; i < 200; i++) await cycle(port, QUERIES[i % QUERIES.length]!);
  await until(() => server.hub.list().length === 0, 'warm-up streams closed', 5000);
  const baseSubscriptions = JSON.stringify(sim.activeSubscriptions().map((s) => s.eventTypes));
  const baseResources = resources();
  const baseHeap = heapAfterGc();

  const started = performance.now();
  let next = 0;
  let refused = 0;
  let peak = 0;
  const worker = async (): Promise<void> => {
    while (next < CYCLES) {
      const i = next++;
      let status = await cycle(port, QUERIES[i % QUERIES.length]!);
      while (status === 429) {
        refused++;
        await new Promise((resolve) => setTimeout(resolve, 50));
        status = await cycle(port, QUERIES[i % QUERIES.length]!);
      }
      assert.equal(status, 200);
      peak = Math.max(peak, server.hub.list().length);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  const seconds = (performance.now() - started) / 1000;

  await until(() => server.hub.list().length === 0, 'every stream gone from the hub', 10_000);
  await until(() => JSON.stringify(sim.activeSubscriptions().map((s) => s.eventTypes)) === baseSubscriptions, `core subscriptions back to ${baseSubscriptions}`, 10_000);
  // Sockets close asynchronously; wait for the handle counts to settle back.
  await until(() => (resources().TCPSocketWrap ?? 0) <= (baseResources.TCPSocketWrap ?? 0), 'sockets closed', 10_000).catch(() => undefined);
  const endResources = resources();
  const heapGrowth = heapAfterGc() - baseHeap;
  t.diagnostic(
    `${CYCLES} cycles in ${seconds.toFixed(1)} s (${(CYCLES / seconds).toFixed(0)}/s, ${PARALLEL} parallel, ${refused} stream-limit retries, peak ${peak} streams); ` +
      `resources before ${JSON.stringify(baseResources)} after ${JSON.stringify(endResources)}; heap growth ${(heapGrowth / 1048576).toFixed(2)} MB`,
  );
  for (const kind of ['Timeout', 'TCPSocketWrap', 'TCPServerWrap']) {
    assert.ok((endResources[kind] ?? 0) <= (baseResources[kind] ?? 0), `no ${kind} left behind: ${baseResources[kind] ?? 0} → ${endResources[kind] ?? 0}`);
  }
  assert.ok(heapGrowth < 5 * 1048576, `heap back within 5 MB (grew ${(heapGrowth / 1048576).toFixed(2)} MB)`);
});
