/**
 * `npm run bench -- hub [options]`: N SSE subscribers against the product in demo mode, in its own
 * process (`server.ts`: `SseHubServer` from `loadConfig()`, events published through the embedded
 * Home Assistant simulator at the rate this process sets).
 *
 * Phases: connect N streams from P client processes; measure idle RSS per connection; then a
 * steady phase (R events/s) and a burst phase (B events at once every T ms), each reporting
 * deliveries/s, delivery completeness (exact, per event id), p50/p99/max latency (client clock
 * minus the publish time carried in the event, so it includes the simulator → websocket → bridge
 * hop) and server CPU per delivery (server CPU time ÷ deliveries, from /proc).
 *
 * Options: --clients 1000 --procs 2 --rate 50 --duration 10 --burst-size 100 --burst-every 2000
 *          --phases steady,burst --cpu-prof (server writes a .cpuprofile into $TMPDIR/sse-hub-profiles)
 * Everything binds to 127.0.0.1; the run is bounded in time and only its own children are killed.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LatencyHistogram } from './latency.ts';
import { cpuTimes, rssBytes } from './proc.ts';

const HERE = new URL('.', import.meta.url).pathname;
const ROOT = join(HERE, '..', '..');
const TSX = ['--import', 'tsx'];

interface ServerStats {
  /** The transport's last id (memory transport ids are consecutive integers). */
  head: string;
  published: number;
  /** The metrics collector's count of frames written (one event to N sockets = N). */
  deliveries: number;
  bytesOut: number;
  connections: number;
}

interface BenchServer {
  readonly child: ChildProcess;
  readonly url: string;
  /** The simulator's admin token: every subscriber is an admin without filters, so gets every event. */
  readonly token: string;
  /** Publishing control. */
  readonly control: {
    rate(eventsPerSecond: number): void;
    burst(size: number, everyMs: number): void;
    idle(): void;
    stats(): Promise<ServerStats>;
    gc(): Promise<NodeJS.MemoryUsage & { newSpace: number }>;
  };
}

/** Waits for the next IPC message of `type` from `child`. */
export function reply<T>(child: ChildProcess, type: string, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${type}' from pid ${child.pid}`)), timeoutMs);
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message as T);
    };
    child.on('message', onMessage);
  });
}

/**
 * The product's configuration for the bench, as environment variables (`loadConfig()` reads every
 * option by its upper-case name): loopback, ephemeral ports, no options file, the simulator quiet
 * (the bench publishes), and limits that let one user on one address open every stream.
 */
export function benchEnv(clients: number, dataDir: string): Record<string, string> {
  return {
    PORT: '0',
    INGRESS_PORT: '0',
    BIND_HOST: '127.0.0.1',
    OPTIONS_PATH: join(dataDir, 'no-options.json'),
    DATA_DIR: dataDir,
    DEMO_EVENT_RATE: '0',
    MAX_CLIENTS: String(clients + 100),
    // All streams come from one user on 127.0.0.1: up to 1000 new streams per second.
    STREAM_LIMIT: '1000',
    STREAM_LIMIT_WINDOW: '1',
    RATE_LIMIT_PER_MINUTE: '100000',
    // A thousand bench streams are not an incident worth an alert.
    ALERT_CONNECTIONS: '0',
    LOG_LEVEL: 'error',
  };
}

async function startBenchServer(clients: number, dataDir: string, cpuProf: boolean): Promise<BenchServer> {
  const execArgv = [...TSX, '--expose-gc'];
  if (cpuProf) {
    const dir = join(tmpdir(), 'sse-hub-profiles');
    mkdirSync(dir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
    console.log(`server CPU profile will be written to ${dir}`);
  }
  const child = fork(join(HERE, 'server.ts'), [], {
    execArgv,
    cwd: ROOT,
    // Not this process's environment: SUPERVISOR_TOKEN or HA_URL there would leave demo mode.
    env: { PATH: process.env.PATH ?? '', ...benchEnv(clients, dataDir) },
  });
  const ready = await reply<{ url: string; token: string }>(child, 'ready');
  const send = (message: object) => child.send(message);
  return {
    child,
    url: ready.url,
    token: ready.token,
    control: {
      rate: (eventsPerSecond) => send({ type: 'rate', eventsPerSecond }),
      burst: (size, everyMs) => send({ type: 'burst', size, everyMs }),
      idle: () => send({ type: 'idle' }),
      stats: () => (send({ type: 'stats' }), reply<ServerStats>(child, 'stats')),
      gc: async () => {
        send({ type: 'gc' });
        const answer = await reply<{ memory: NodeJS.MemoryUsage; newSpace: number }>(child, 'gc');
        return { ...answer.memory, newSpace: answer.newSpace };
      },
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ClientStats {
  connected: number;
  failed: number;
  closed: number;
  received: number;
  perId: [string, number][];
  histogram: ReturnType<LatencyHistogram['toJSON']>;
}

class ClientPool {
  readonly children: ChildProcess[];
  constructor(procs: number) {
    this.children = Array.from({ length: procs }, () => fork(join(HERE, 'client.ts'), [], { execArgv: TSX, cwd: ROOT }));
  }

  async open(url: string, total: number): Promise<{ connected: number; failed: number }> {
    const share = (i: number) => Math.floor(total / this.children.length) + (i < total % this.children.length ? 1 : 0);
    const opened = await Promise.all(
      this.children.map((child, i) => {
        child.send({ type: 'open', url, count: share(i), concurrency: 50 });
        return reply<{ connected: number; failed: number }>(child, 'opened', 60_000);
      }),
    );
    return opened.reduce((a, b) => ({ connected: a.connected + b.connected, failed: a.failed + b.failed }));
  }

  async reset(): Promise<void> {
    await Promise.all(this.children.map((child) => (child.send({ type: 'reset' }), reply(child, 'reset'))));
  }

  async stats(): Promise<ClientStats[]> {
    return Promise.all(this.children.map((child) => (child.send({ type: 'stats' }), reply<ClientStats>(child, 'stats'))));
  }
}

interface PhaseResult {
  phase: string;
  seconds: number;
  published: number;
  distinctEvents: number;
  deliveries: number;
  /** What the server's metrics collector counted in the window (the per-id count above is the client's). */
  serverDeliveries: number;
  bytesPerDelivery: number;
  expected: number;
  deliveredPercent: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  serverCpuMs: number;
  /** Of which in the kernel (socket writes on loopback include the receiving side's TCP work). */
  serverSystemMs: number;
  cpuPerDeliveryUs: number;
  streamsClosed: number;
}

async function measurePhase(
  name: string,
  server: BenchServer,
  pool: ClientPool,
  clients: number,
  seconds: number,
  startPublishing: () => void,
): Promise<PhaseResult> {
  startPublishing();
  await sleep(1000); // warm-up: JIT, socket buffers
  await pool.reset();
  const before = await server.control.stats();
  const cpu0 = cpuTimes(server.child.pid!);
  await sleep(seconds * 1000);
  server.control.idle();
  const after = await server.control.stats();
  await sleep(1000); // drain what was published in the window
  const cpu1 = cpuTimes(server.child.pid!);
  const cpu = cpu1.user + cpu1.system - cpu0.user - cpu0.system;
  const stats = await pool.stats();
  const histogram = new LatencyHistogram();
  const perId = new Map<string, number>();
  let closed = 0;
  for (const s of stats) {
    histogram.merge(s.histogram);
    for (const [id, count] of s.perId) perId.set(id, (perId.get(id) ?? 0) + count);
    closed += s.closed;
  }
  // Exactly the events the transport stamped in the window count, whether or not a client saw them.
  const windowIds: string[] = [];
  for (let id = Number(before.head) + 1; id <= Number(after.head); id++) windowIds.push(String(id));
  let deliveries = 0;
  for (const id of windowIds) deliveries += perId.get(id) ?? 0;
  const expected = windowIds.length * clients;
  return {
    phase: name,
    seconds,
    published: after.published - before.published,
    distinctEvents: windowIds.length,
    deliveries,
    serverDeliveries: after.deliveries - before.deliveries,
    bytesPerDelivery: (after.bytesOut - before.bytesOut) / Math.max(1, after.deliveries - before.deliveries),
    expected,
    deliveredPercent: expected ? (100 * deliveries) / expected : 0,
    deliveriesPerSecond: deliveries / seconds,
    p50Ms: histogram.quantile(0.5),
    p99Ms: histogram.quantile(0.99),
    maxMs: histogram.max,
    serverCpuMs: cpu,
    serverSystemMs: cpu1.system - cpu0.system,
    cpuPerDeliveryUs: deliveries ? (cpu * 1000) / deliveries : NaN,
    streamsClosed: closed,
  };
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      clients: { type: 'string', default: '1000' },
      procs: { type: 'string', default: '2' },
      rate: { type: 'string', default: '50' },
      duration: { type: 'string', default: '10' },
      'burst-size': { type: 'string', default: '100' },
      'burst-every': { type: 'string', default: '2000' },
      phases: { type: 'string', default: 'steady,burst' },
      'cpu-prof': { type: 'boolean', default: false },
    },
  });
  const clients = Number(values.clients);
  const rate = Number(values.rate);
  const duration = Number(values.duration);
  const phases = values.phases.split(',');
  const children: ChildProcess[] = [];
  // Bounded in time: whatever happens, the children go (by their own PIDs) and the run ends.
  const limitMs = (30 + phases.length * (duration + 5)) * 1000 + clients * 20;
  const killer = setTimeout(() => {
    console.error(`bench: time limit of ${Math.round(limitMs / 1000)} s reached`);
    for (const child of children) child.kill('SIGKILL');
    process.exit(3);
  }, limitMs);
  killer.unref();

  const dataDir = mkdtempSync(join(tmpdir(), 'sse-hub-bench-'));
  const server = await startBenchServer(clients, dataDir, values['cpu-prof']);
  children.push(server.child);
  const pool = new ClientPool(Number(values.procs));
  children.push(...pool.children);
  try {
    const pid = server.child.pid!;
    const mem0 = await server.control.gc();
    const rss0 = rssBytes(pid);
    const started = Date.now();
    const url = `${server.url}/subscribe_events?token=${server.token}`;
    // Half first: the one-off costs (JIT, the young generation growing under the connect storm)
    // land there, so the second half shows what one more idle connection costs.
    const half = Math.floor(clients / 2);
    const first = await pool.open(url, half);
    await sleep(1000);
    const memHalf = await server.control.gc();
    const rssHalf = rssBytes(pid);
    const second = await pool.open(url, clients - half);
    const connectSeconds = (Date.now() - started) / 1000;
    const connected = first.connected + second.connected;
    if (connected !== clients) throw new Error(`only ${connected}/${clients} streams opened`);
    await sleep(1000);
    const mem1 = await server.control.gc();
    const rss1 = rssBytes(pid);
    const marginal = (bytes: number) => bytes / (clients - half) / 1024;
    const idle = {
      clients,
      connectSeconds,
      rssBeforeMiB: rss0 / 2 ** 20,
      rssAfterMiB: rss1 / 2 ** 20,
      rssPerConnectionKiB: (rss1 - rss0) / clients / 1024,
      heapPerConnectionKiB: (mem1.heapUsed - mem0.heapUsed) / clients / 1024,
      marginalRssPerConnectionKiB: marginal(rss1 - rssHalf),
      marginalHeapPerConnectionKiB: marginal(mem1.heapUsed - memHalf.heapUsed),
      marginalHeapTotalPerConnectionKiB: marginal(mem1.heapTotal - memHalf.heapTotal),
      marginalExternalPerConnectionKiB: marginal(mem1.external - memHalf.external),
      newSpaceMiB: mem1.newSpace / 2 ** 20,
      /** Marginal RSS minus what the young generation grew by in the same interval. */
      marginalRssExcludingNewSpaceKiB: marginal(rss1 - rssHalf - (mem1.newSpace - memHalf.newSpace)),
    };
    console.log(`\nidle: ${clients} streams opened in ${connectSeconds.toFixed(1)} s; RSS ${idle.rssBeforeMiB.toFixed(1)} → ${idle.rssAfterMiB.toFixed(1)} MiB = ${idle.rssPerConnectionKiB.toFixed(1)} KiB per idle connection overall; marginal (streams N/2+1..N) ${idle.marginalRssPerConnectionKiB.toFixed(1)} KiB RSS, ${idle.marginalRssExcludingNewSpaceKiB.toFixed(1)} KiB without young-generation growth (new space now ${idle.newSpaceMiB.toFixed(0)} MiB), ${idle.marginalHeapPerConnectionKiB.toFixed(1)} KiB JS heap (overall ${idle.heapPerConnectionKiB.toFixed(1)})`);

    const results: PhaseResult[] = [];
    for (const phase of phases) {
      if (phase === 'steady') {
        results.push(await measurePhase(`steady ${rate}/s`, server, pool, clients, duration, () => server.control.rate(rate)));
      } else if (phase === 'burst') {
        const size = Number(values['burst-size']);
        const every = Number(values['burst-every']);
        results.push(await measurePhase(`burst ${size}/${every}ms`, server, pool, clients, duration, () => server.control.burst(size, every)));
      }
    }
    console.table(
      results.map((r) => ({
        phase: r.phase,
        'deliveries/s': Math.round(r.deliveriesPerSecond),
        'delivered %': r.deliveredPercent.toFixed(2),
        'bytes/frame': Math.round(r.bytesPerDelivery),
        'p50 ms': r.p50Ms.toFixed(2),
        'p99 ms': r.p99Ms.toFixed(2),
        'max ms': r.maxMs.toFixed(1),
        'CPU µs/delivery': r.cpuPerDeliveryUs.toFixed(2),
        'of which kernel %': ((100 * r.serverSystemMs) / r.serverCpuMs).toFixed(0),
        'closed streams': r.streamsClosed,
      })),
    );
    console.log(JSON.stringify({ scenario: 'hub', mode: 'demo', node: process.version, idle, results }));
  } finally {
    clearTimeout(killer);
    server.child.send?.({ type: 'stop' });
    for (const child of pool.children) child.disconnect();
    await sleep(1500); // the server says server_shutdown to every stream and flushes its last minute
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
