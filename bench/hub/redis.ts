/**
 * `npm run bench -- redis [options]`: the memory transport against Redis mode, in one run on one
 * machine. A Home Assistant simulator in this process publishes `state_changed` events at a steady
 * rate (each carries its publish time in attribute `t`); the product runs as real processes in
 * standalone mode against it:
 *
 * - memory: 1 instance, N streams (the default single-process mode);
 * - redis: 3 instances sharing one `redis-server`, N streams each (the leader holds the core
 *   subscription and appends; every instance reads the stream and fans out).
 *
 * Every stream is the admin without filters, so every event goes to every stream. Reported per
 * mode: deliveries/s, delivered % (received ÷ published × streams), p50/p99 latency (client clock
 * minus `t`: core → leader → Redis → instance → socket), and CPU per delivery: the CPU time of all
 * product processes plus redis-server (from /proc) ÷ deliveries. For Redis mode also Redis's own
 * CPU per appended event: the price of subscribing to everything (every event crosses Redis once
 * and is read back by every instance, whether or not a client wants it).
 *
 * The window starts and ends when the clients receive nothing more, so every delivery counted
 * belongs to an event published in it.
 *
 * Each mode runs at every rate of `--rates`. With two or more cores the product processes and
 * redis-server are pinned to the first core and the client processes to the others
 * (`taskset`), so the load generator competes less with what is measured.
 *
 * Options: --clients 1000 --rates 50,200 --duration 8 --modes memory,redis --pin yes (no: let the scheduler place them)
 * Bounded: a timer kills this run's own children (by their PIDs) and exits.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HaSimulator } from '../../src/simulator/index.ts';
import { TestRedis } from '../../test/redis-server.ts';
import { LatencyHistogram, preciseNow } from './latency.ts';
import { cpuTimes } from './proc.ts';

const HERE = new URL('.', import.meta.url).pathname;
const ROOT = join(HERE, '..', '..');
const TSX = ['--import', 'tsx'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function reply<T>(child: ChildProcess, type: string, timeoutMs = 60_000): Promise<T> {
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

/** Pins a process (all its threads) to `cpus` when the machine has more than one core; false when it could not. */
let pinning = true;
function pin(pid: number | undefined, cpus: string): boolean {
  if (!pinning || pid === undefined || availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const SERVER_CPUS = '0';
const clientCpus = () => (availableParallelism() > 2 ? `1-${availableParallelism() - 1}` : '1');

const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuTimes(pid).user + cpuTimes(pid).system, 0);

interface ModeResult {
  mode: string;
  rate: number;
  pinned: boolean;
  instances: number;
  streams: number;
  published: number;
  deliveries: number;
  deliveredPercent: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuPerDeliveryUs: number;
  redisCpuPerEventUs: number | null;
  redisCpuMs: number | null;
  leaderCpuMs: number;
  followerCpuMs: number | null;
}

async function runMode(
  mode: 'memory' | 'redis',
  sim: HaSimulator,
  redis: TestRedis | undefined,
  clients: number,
  rate: number,
  seconds: number,
  children: ChildProcess[],
): Promise<ModeResult> {
  const count = mode === 'redis' ? 3 : 1;
  const dir = mkdtempSync(join(tmpdir(), `sse-hub-bench-${mode}-`));
  const instances: { child: ChildProcess; url: string }[] = [];
  const clientProcs: ChildProcess[] = [];
  let pinned = pin(redis?.pid, SERVER_CPUS) || !redis;
  try {
    for (let i = 0; i < count; i++) {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        INGRESS_PORT: '0',
        BIND_HOST: '127.0.0.1',
        OPTIONS_PATH: join(dir, 'no-options.json'),
        DATA_DIR: join(dir, String(i)),
        HA_URL: sim.url,
        HA_TOKEN: sim.adminToken,
        MAX_CLIENTS: String(clients * count + 100), // in Redis mode max_clients holds for the cluster
        STREAM_LIMIT: '1000',
        STREAM_LIMIT_WINDOW: '1',
        RATE_LIMIT_PER_MINUTE: '100000',
        ALERT_CONNECTIONS: '0',
        LOG_LEVEL: 'error',
        ...(redis ? { REDIS_URL: redis.url } : {}),
      };
      const child = fork(join(HERE, 'redis-instance.ts'), [], { execArgv: TSX, cwd: ROOT, env });
      children.push(child);
      pinned = pin(child.pid, SERVER_CPUS) && pinned;
      const ready = await reply<{ url: string }>(child, 'ready');
      instances.push({ child, url: ready.url });
    }
    // Each instance gets its own client process and N streams.
    for (const instance of instances) {
      const client = fork(join(HERE, 'client.ts'), [], { execArgv: TSX, cwd: ROOT });
      children.push(client);
      clientProcs.push(client);
      pinned = pin(client.pid, clientCpus()) && pinned;
      client.send({ type: 'open', url: `${instance.url}/subscribe_events?token=${sim.adminToken}`, count: clients, concurrency: 50 });
      const opened = await reply<{ connected: number; failed: number }>(client, 'opened', 120_000);
      if (opened.connected !== clients) throw new Error(`${mode}: only ${opened.connected}/${clients} streams opened`);
    }
    const pids = instances.map((i) => i.child.pid!);
    // Publishing: steady, drift-compensated, each event carries its publish time. A warm-up round
    // first; the measured window starts and ends with nothing in flight, so every delivery counted
    // belongs to an event published in it.
    let seq = 0;
    const publishFor = async (ms: number): Promise<number> => {
      const started = performance.now();
      let sent = 0;
      while (performance.now() - started < ms) {
        const due = Math.floor(((performance.now() - started) * rate) / 1000);
        while (sent < due) {
          sim.setState(`sensor.bench_${seq % 100}`, String(seq), { t: preciseNow(), unit_of_measurement: '°C' });
          seq++;
          sent++;
        }
        await sleep(Math.max(1, Math.min(20, 1000 / rate)));
      }
      return sent;
    };
    // Waits until every client process received `expected` events per stream, or nothing more for
    // three checks in a row (bounded): under load the fan-out lags by seconds, and a window that
    // starts before the warm-up drained would count warm-up deliveries.
    const settle = async (expected: number) => {
      let last = -1;
      let still = 0;
      for (let i = 0; i < 120 && still < 3; i++) {
        await sleep(500);
        const got = await Promise.all(clientProcs.map((c) => (c.send({ type: 'stats' }), reply<{ received: number }>(c, 'stats'))));
        if (got.every((g) => g.received >= expected * clients)) return;
        const total = got.reduce((sum, g) => sum + g.received, 0);
        still = total === last ? still + 1 : 0;
        last = total;
      }
    };
    const warmup = await publishFor(1500);
    await settle(warmup);
    await Promise.all(clientProcs.map((c) => (c.send({ type: 'reset' }), reply(c, 'reset'))));
    const cpu0 = pids.map((pid) => cpuOf([pid]));
    const redis0 = redis?.pid ? cpuOf([redis.pid]) : 0;
    const published = await publishFor(seconds * 1000);
    await settle(published); // drain: CPU is counted until the last delivery
    const cpu1 = pids.map((pid) => cpuOf([pid]));
    const redisCpu = redis?.pid ? cpuOf([redis.pid]) - redis0 : 0;
    const leaders = await Promise.all(instances.map((i) => (i.child.send({ type: 'stats' }), reply<{ leader: boolean }>(i.child, 'stats'))));
    const stats = await Promise.all(
      clientProcs.map((c) => (c.send({ type: 'stats' }), reply<{ received: number; histogram: ReturnType<LatencyHistogram['toJSON']> }>(c, 'stats'))),
    );
    const histogram = new LatencyHistogram();
    let deliveries = 0;
    for (const s of stats) {
      histogram.merge(s.histogram);
      deliveries += s.received;
    }
    const perInstance = cpu1.map((c, i) => c - cpu0[i]!);
    const productCpu = perInstance.reduce((a, b) => a + b, 0);
    const leaderIndex = leaders.findIndex((l) => l.leader);
    const followers = perInstance.filter((_, i) => i !== leaderIndex);
    const streams = clients * count;
    return {
      mode,
      rate,
      pinned,
      instances: count,
      streams,
      published,
      deliveries,
      deliveredPercent: (100 * deliveries) / Math.max(1, published * streams),
      deliveriesPerSecond: deliveries / seconds,
      p50Ms: histogram.quantile(0.5),
      p99Ms: histogram.quantile(0.99),
      cpuPerDeliveryUs: deliveries ? ((productCpu + redisCpu) * 1000) / deliveries : NaN,
      redisCpuPerEventUs: redis ? (redisCpu * 1000) / Math.max(1, published) : null,
      redisCpuMs: redis ? redisCpu : null,
      leaderCpuMs: perInstance[leaderIndex] ?? NaN,
      followerCpuMs: followers.length ? followers.reduce((a, b) => a + b, 0) / followers.length : null,
    };
  } finally {
    for (const c of clientProcs) c.disconnect();
    for (const i of instances) i.child.send({ type: 'stop' });
    await sleep(1500);
    for (const child of [...clientProcs, ...instances.map((i) => i.child)]) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      clients: { type: 'string', default: '1000' },
      rates: { type: 'string', default: '50,200' },
      duration: { type: 'string', default: '8' },
      modes: { type: 'string', default: 'memory,redis' },
      pin: { type: 'string', default: 'yes' },
    },
  });
  pinning = values.pin !== 'no';
  const clients = Number(values.clients);
  const rates = values.rates.split(',').map(Number);
  const duration = Number(values.duration);
  const modes = values.modes.split(',') as ('memory' | 'redis')[];
  const children: ChildProcess[] = [];
  const limitMs = (60 + rates.length * modes.length * (duration + 30)) * 1000 + rates.length * clients * 60;
  const redis = new TestRedis();
  const killer = setTimeout(() => {
    console.error(`bench: time limit of ${Math.round(limitMs / 1000)} s reached`);
    for (const child of children) child.kill('SIGKILL');
    void redis.dispose().finally(() => process.exit(3));
  }, limitMs);
  killer.unref();
  const sim = new HaSimulator({ seed: 5 });
  await sim.start();
  if (modes.includes('redis')) await redis.start();
  try {
    const results: ModeResult[] = [];
    for (const rate of rates) {
      for (const mode of modes) results.push(await runMode(mode, sim, mode === 'redis' ? redis : undefined, clients, rate, duration, children));
    }
    console.table(
      results.map((r) => ({
        mode: r.mode,
        'ev/s': r.rate,
        pinned: r.pinned ? 'yes' : 'no',
        'instances × streams': `${r.instances} × ${r.streams / r.instances}`,
        'deliveries/s': Math.round(r.deliveriesPerSecond),
        'delivered %': r.deliveredPercent.toFixed(2),
        'p50 ms': r.p50Ms.toFixed(2),
        'p99 ms': r.p99Ms.toFixed(2),
        'CPU µs/delivery': r.cpuPerDeliveryUs.toFixed(2),
        'redis CPU ms': r.redisCpuMs === null ? '' : r.redisCpuMs,
        'redis µs/event': r.redisCpuPerEventUs === null ? '' : r.redisCpuPerEventUs.toFixed(0),
        'leader CPU ms': Math.round(r.leaderCpuMs),
        'follower CPU ms': r.followerCpuMs === null ? '' : Math.round(r.followerCpuMs),
      })),
    );
    console.log(JSON.stringify({ scenario: 'redis', node: process.version, clients, rates, duration, results }));
  } finally {
    clearTimeout(killer);
    await sim.stop();
    await redis.dispose();
  }
}
