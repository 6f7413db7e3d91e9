/**
 * `npm run bench -- hub [options]`: N SSE subscribers against a server in its own process.
 *
 * Phases: connect N streams from P client processes; measure idle RSS per connection; then a
 * steady phase (R events/s) and a burst phase (B events at once every T ms), each reporting
 * deliveries/s, delivery completeness, p50/p99/max latency (client clock minus the publish time
 * carried in the event) and server CPU per delivery (server CPU time ÷ deliveries, from /proc).
 *
 * Options: --clients 1000 --procs 2 --rate 50 --duration 10 --burst-size 100 --burst-every 2000
 *          --phases steady,burst --cpu-prof (server writes a .cpuprofile into $TMPDIR/sse-hub-profiles)
 *          --demo --token <demo token> (run src/main.ts in demo mode with DEMO_EVENT_RATE instead
 *          of the bench server; steady phase only, no GC before the RSS reading)
 * Everything binds to 127.0.0.1; the run is bounded in time and only its own children are killed.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
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
  deliveries: number;
  connections: number;
}

interface BenchServer {
  readonly child: ChildProcess;
  readonly url: string;
  readonly token: string;
  /** Publishing control; absent when the server publishes on its own (demo mode). */
  readonly control?: {
    rate(eventsPerSecond: number): void;
    burst(size: number, everyMs: number): void;
    idle(): void;
    stats(): Promise<ServerStats>;
    gc(): Promise<NodeJS.MemoryUsage & { newSpace: number }>;
  };
}

/** Waits for the next IPC message of `type` from `child`. */
function reply<T>(child: ChildProcess, type: string, timeoutMs = 30_000): Promise<T> {
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

async function startBenchServer(maxClients: number, cpuProf: boolean): Promise<BenchServer> {
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
    env: { ...process.env, BENCH_MAX_CLIENTS: String(maxClients + 100) },
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

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The real product in demo mode (once `src/main.ts` wires the hub and the simulator). */
async function startDemoServer(rate: number, clients: number, token: string): Promise<BenchServer> {
  const [port, ingressPort] = [await freePort(), await freePort()];
  const child = fork(join(ROOT, 'src', 'main.ts'), [], {
    execArgv: TSX,
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      INGRESS_PORT: String(ingressPort),
      BIND_HOST: '127.0.0.1',
      DEMO_EVENT_RATE: String(rate),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'sse-hub-bench-')),
      OPTIONS_PATH: join(tmpdir(), 'sse-hub-bench-no-options.json'),
      MAX_CLIENTS: String(clients + 100),
      STREAM_LIMIT: '1000',
      RATE_LIMIT_PER_MINUTE: '100000',
      LOG_LEVEL: 'error',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('the demo server did not become healthy');
    await sleep(200);
  }
  return { child, url, token };
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
  published: number | null;
  distinctEvents: number;
  deliveries: number;
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
  const before = await server.control?.stats();
  const cpu0 = cpuTimes(server.child.pid!);
  await sleep(seconds * 1000);
  server.control?.idle();
  const after = await server.control?.stats();
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
  // With the bench server, exactly the events published in the window count; otherwise (demo)
  // every event some client saw, which misses events nobody received.
  let windowIds: string[];
  if (before && after) {
    windowIds = [];
    for (let id = Number(before.head) + 1; id <= Number(after.head); id++) windowIds.push(String(id));
  } else {
    windowIds = [...perId.keys()];
  }
  let deliveries = 0;
  for (const id of windowIds) deliveries += perId.get(id) ?? 0;
  const expected = windowIds.length * clients;
  return {
    phase: name,
    seconds,
    published: before && after ? after.published - before.published : null,
    distinctEvents: windowIds.length,
    deliveries,
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
      demo: { type: 'boolean', default: false },
      token: { type: 'string' },
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

  const server = values.demo
    ? await startDemoServer(rate, clients, values.token ?? process.env.SSE_HUB_DEMO_TOKEN ?? '')
    : await startBenchServer(clients, values['cpu-prof']);
  children.push(server.child);
  const pool = new ClientPool(Number(values.procs));
  children.push(...pool.children);
  try {
    const pid = server.child.pid!;
    const mem0 = await server.control?.gc();
    const rss0 = rssBytes(pid);
    const started = Date.now();
    const url = `${server.url}/subscribe_events?token=${server.token}`;
    // Half first: the one-off costs (JIT, the young generation growing under the connect storm)
    // land there, so the second half shows what one more idle connection costs.
    const half = Math.floor(clients / 2);
    const first = await pool.open(url, half);
    await sleep(1000);
    const memHalf = await server.control?.gc();
    const rssHalf = rssBytes(pid);
    const second = await pool.open(url, clients - half);
    const connectSeconds = (Date.now() - started) / 1000;
    const connected = first.connected + second.connected;
    if (connected !== clients) throw new Error(`only ${connected}/${clients} streams opened`);
    await sleep(1000);
    const mem1 = await server.control?.gc();
    const rss1 = rssBytes(pid);
    const idle = {
      clients,
      connectSeconds,
      rssBeforeMiB: rss0 / 2 ** 20,
      rssAfterMiB: rss1 / 2 ** 20,
      rssPerConnectionKiB: (rss1 - rss0) / clients / 1024,
      marginalRssPerConnectionKiB: (rss1 - rssHalf) / (clients - half) / 1024,
      heapPerConnectionKiB: mem0 && mem1 ? (mem1.heapUsed - mem0.heapUsed) / clients / 1024 : null,
      marginalHeapPerConnectionKiB: memHalf && mem1 ? (mem1.heapUsed - memHalf.heapUsed) / (clients - half) / 1024 : null,
      marginalHeapTotalPerConnectionKiB: memHalf && mem1 ? (mem1.heapTotal - memHalf.heapTotal) / (clients - half) / 1024 : null,
      marginalExternalPerConnectionKiB: memHalf && mem1 ? (mem1.external - memHalf.external) / (clients - half) / 1024 : null,
      newSpaceMiB: mem1 ? mem1.newSpace / 2 ** 20 : null,
      /** Marginal RSS minus what the young generation grew by in the same interval. */
      marginalRssExcludingNewSpaceKiB:
        memHalf && mem1 ? (rss1 - rssHalf - (mem1.newSpace - memHalf.newSpace)) / (clients - half) / 1024 : null,
    };
    console.log(`\nidle: ${clients} streams opened in ${connectSeconds.toFixed(1)} s; RSS ${idle.rssBeforeMiB.toFixed(1)} → ${idle.rssAfterMiB.toFixed(1)} MiB = ${idle.rssPerConnectionKiB.toFixed(1)} KiB per idle connection overall; marginal (streams N/2+1..N) ${idle.marginalRssPerConnectionKiB.toFixed(1)} KiB RSS, ${idle.marginalRssExcludingNewSpaceKiB?.toFixed(1) ?? '?'} KiB without young-generation growth (new space now ${idle.newSpaceMiB?.toFixed(0) ?? '?'} MiB), ${idle.marginalHeapPerConnectionKiB?.toFixed(1) ?? '?'} KiB JS heap`);

    const results: PhaseResult[] = [];
    for (const phase of phases) {
      if (phase === 'steady') {
        results.push(await measurePhase(`steady ${rate}/s`, server, pool, clients, duration, () => server.control?.rate(rate)));
      } else if (phase === 'burst' && server.control) {
        const size = Number(values['burst-size']);
        const every = Number(values['burst-every']);
        results.push(await measurePhase(`burst ${size}/${every}ms`, server, pool, clients, duration, () => server.control?.burst(size, every)));
      }
    }
    console.table(
      results.map((r) => ({
        phase: r.phase,
        'deliveries/s': Math.round(r.deliveriesPerSecond),
        'delivered %': r.deliveredPercent.toFixed(2),
        'p50 ms': r.p50Ms.toFixed(2),
        'p99 ms': r.p99Ms.toFixed(2),
        'max ms': r.maxMs.toFixed(1),
        'CPU µs/delivery': r.cpuPerDeliveryUs.toFixed(2),
        'of which kernel %': ((100 * r.serverSystemMs) / r.serverCpuMs).toFixed(0),
        'closed streams': r.streamsClosed,
      })),
    );
    console.log(JSON.stringify({ scenario: 'hub', mode: values.demo ? 'demo' : 'bench-server', node: process.version, idle, results }));
  } finally {
    clearTimeout(killer);
    server.child.send?.({ type: 'stop' });
    for (const child of pool.children) child.disconnect();
    await sleep(500);
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
}
