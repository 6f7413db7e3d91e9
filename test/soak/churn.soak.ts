/**
 * 20 000 connect/disconnect cycles (CHURN_CYCLES) against the composed server in demo mode:
 * each client opens /subscribe_events (some with event types nobody else streams, so core
 * subscriptions come and go), reads its `connection` frame and hangs up. Afterwards no stream,
 * core subscription, socket or timer is left behind, and the heap (after GC) is back within 5 MB.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { SseHubServer } from '../../src/app/server.ts';
import { type DemoServer, startDemoServer } from '../demo-server.ts';
import type { HaSimulator } from '../../src/simulator/index.ts';
import { until } from '../until.ts';

const CYCLES = Number(process.env.CHURN_CYCLES ?? 20_000);
const PARALLEL = 16;
const QUERIES = ['', '?events=call_service', '?events=automation_triggered', '?entity_id=light.kitchen', '?events=state_changed,call_service'];

/**
 * Live timers of this process (the server runs in it): Node's timers are wrapped before the server
 * exists, so the unref'd ones the hub and the HTTP layer use are counted too (getActiveResourcesInfo
 * lists only timers that keep the process alive).
 */
const live = new Set<unknown>();
const native = { setTimeout, clearTimeout, setInterval, clearInterval };
globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const handle = native.setTimeout((...a: unknown[]) => {
    live.delete(handle);
    fn(...a);
  }, ms, ...args);
  live.add(handle);
  return handle;
}) as typeof setTimeout;
globalThis.setInterval = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const handle = native.setInterval(fn, ms, ...args);
  live.add(handle);
  return handle;
}) as typeof setInterval;
globalThis.clearTimeout = ((handle: Parameters<typeof clearTimeout>[0]) => {
  live.delete(handle);
  native.clearTimeout(handle);
}) as typeof clearTimeout;
globalThis.clearInterval = ((handle: Parameters<typeof clearInterval>[0]) => {
  live.delete(handle);
  native.clearInterval(handle);
}) as typeof clearInterval;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let demo: DemoServer;
let server: SseHubServer;
let sim: HaSimulator;

before(async () => {
  demo = await startDemoServer({ DEMO_EVENT_RATE: '20', STREAM_LIMIT: '1000', STREAM_LIMIT_WINDOW: '1', MAX_CLIENTS: '1000', RATE_LIMIT_PER_MINUTE: '100000' });
  ({ server, sim } = demo);
});

after(() => demo.stop());

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
  const coreSubscriptions = (): string[] => sim.activeSubscriptions().flatMap((s) => s.eventTypes);
  const initial = coreSubscriptions();
  for (let i = 0; i < 200; i++) await cycle(port, QUERIES[i % QUERIES.length]!);
  await until(() => server.hub.list().length === 0, 'warm-up streams closed', 5000);
  const baseResources = resources();
  const baseTimers = live.size;
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
  // Core holds at most one subscription per type, only for types a client asked for (or held from the
  // start); a type released after its last stream may linger for a while (DOCS.md), so it is not
  // required to be gone, only not to be duplicated.
  // '' is an admin without an events filter: every type, core's `*` subscription.
  const allowed = new Set([...initial, '*', 'call_service', 'automation_triggered', 'state_changed']);
  await until(() => coreSubscriptions().every((type) => allowed.has(type)), 'only types asked for', 10_000);
  const after = coreSubscriptions();
  assert.equal(new Set(after).size, after.length, `one core subscription per type: ${after.join(',')}`);
  assert.ok(after.length <= allowed.size, `core subscriptions ${after.join(',')}`);
  // Sockets close asynchronously; wait for the handle counts to settle back.
  await until(() => (resources().TCPSocketWrap ?? 0) <= (baseResources.TCPSocketWrap ?? 0), 'sockets closed', 10_000).catch(() => undefined);
  const endResources = resources();
  const heapGrowth = heapAfterGc() - baseHeap;
  const endTimers = live.size;
  t.diagnostic(
    `${CYCLES} cycles in ${seconds.toFixed(1)} s (${(CYCLES / seconds).toFixed(0)}/s, ${PARALLEL} parallel, ${refused} stream-limit retries, peak ${peak} streams); ` +
      `core subscriptions ${JSON.stringify(initial)} before, ${JSON.stringify(after)} after; resources before ${JSON.stringify(baseResources)} after ${JSON.stringify(endResources)}; live timers ${baseTimers} → ${endTimers}; heap growth ${(heapGrowth / 1048576).toFixed(2)} MB`,
  );
  for (const kind of ['Timeout', 'TCPSocketWrap', 'TCPServerWrap']) {
    assert.ok((endResources[kind] ?? 0) <= (baseResources[kind] ?? 0), `no ${kind} left behind: ${baseResources[kind] ?? 0} → ${endResources[kind] ?? 0}`);
  }
  assert.ok(endTimers <= baseTimers + 5, `no timer left behind per stream: ${baseTimers} → ${endTimers} live timers`);
  assert.ok(heapGrowth < 5 * 1048576, `heap back within 5 MB (grew ${(heapGrowth / 1048576).toFixed(2)} MB)`);
});
