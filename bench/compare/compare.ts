/**
 * `npm run bench -- compare [options]`: this product against nginx + nchan and a tutorial
 * `node:http` SSE server, in one run on one machine: every server pinned to CPU 0 (`taskset -c 0`),
 * this process (publisher) and the load clients on CPU 1. Prints one table, every figure with its
 * ratio to nchan; `--out FILE` also writes it as Markdown with the command and the machine.
 *
 * Options: --targets nchan,product,node  --clients 1000  --procs 2  --duration 8 (s per steady window)
 *   --rates 50,200  --burst 2000  --replay-back 500  --slow-rate 200  --selective 1000,10000
 *   --selective-rate 200  --settle 3 (s after a ramp before RSS)  --scenarios idle,steady,burst,replay,slow,selective,optins,fresh
 *   --optin-rate 200 (a list: 50,200)  --batch 100 (ms; optins: the product's batch and gzip opt-ins, a fresh process per mode)
 *   --fresh 10000  --fresh-rate 20 (fresh: a fresh process per target, N idle streams on `all`, then steady)
 *   --no-build (reuse .bench-build/)  --cpu-prof (profile the product; top frames printed)  --limit 900 (s)
 * `--scenarios optins` or `--scenarios fresh` alone start only their own processes. The total wall
 * time is printed at the end (the default run took 414 s on this 2-core machine, under load).
 * Loopback only; bounded by --limit; stops only the processes it started, by PID.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type FreshContext, freshIdle } from './fresh.ts';
import { ClientPool } from './pool.ts';
import { optIns } from './optins.ts';
import { topFrames } from './profile.ts';
import { Publisher } from './publisher.ts';
import { type Context, type Figures, burst, idle, replayStorm, selective, slowMix, steady } from './scenarios.ts';
import { NchanTarget, ProductTarget, type Target, TutorialTarget, buildProduct } from './targets.ts';
import { table } from './table.ts';

/** Scenarios run in one process per target, in this order; `optins` and `fresh` start their own. */
const SHARED = ['idle', 'steady', 'burst', 'replay', 'slow', 'selective'];
const ALL = [...SHARED, 'optins', 'fresh'];

/**
 * The hard open-files limit (Node raises its soft limit to it at startup; the servers are forked
 * from here and inherit it). Each server holds every stream in one process, so it needs more than `streams`.
 */
function checkOpenFiles(streams: number): void {
  const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  const hard = line?.[2] === 'unlimited' ? Infinity : Number(line?.[2]);
  if (hard < streams + 500) throw new Error(`open files limit ${hard} is too low for ${streams} streams in one server process: raise it (ulimit -Hn) to ${streams + 500} or more`);
}

function sh(cmd: string, args: string[]): string {
  try {
    // nginx -v writes to stderr.
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() || execFileSync('sh', ['-c', `${cmd} ${args.join(' ')} 2>&1`], { encoding: 'utf8' }).trim();
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err).trim();
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      targets: { type: 'string', default: 'nchan,product,node' },
      clients: { type: 'string', default: '1000' },
      procs: { type: 'string', default: '2' },
      duration: { type: 'string', default: '8' },
      rates: { type: 'string', default: '50,200' },
      burst: { type: 'string', default: '2000' },
      'replay-back': { type: 'string', default: '500' },
      'slow-rate': { type: 'string', default: '200' },
      selective: { type: 'string', default: '1000,10000' },
      'selective-rate': { type: 'string', default: '200' },
      settle: { type: 'string', default: '3' },
      scenarios: { type: 'string', default: 'idle,steady,burst,replay,slow,selective,optins,fresh' },
      'optin-rate': { type: 'string', default: '200' },
      batch: { type: 'string', default: '100' },
      fresh: { type: 'string', default: '10000' },
      'fresh-rate': { type: 'string', default: '20' },
      'no-build': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      limit: { type: 'string', default: '900' },
      out: { type: 'string' },
    },
  });
  if (cpus().length < 2) throw new Error('needs 2 CPUs: servers on CPU 0, clients on CPU 1');
  const clients = Number(values.clients);
  const scenarios = new Set(values.scenarios.split(','));
  const selectiveSizes = values.selective.split(',').filter(Boolean).map(Number);
  const settle = Number(values.settle);
  const load0 = loadavg();
  const nproc = sh('nproc', []); // before pinning: taskset narrows what nproc sees
  // This process and everything it forks (clients, the fake core) on CPU 1; servers pin themselves to CPU 0.
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });

  const profileDir = values['cpu-prof'] ? join(tmpdir(), `sse-bench-profile-${process.pid}`) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const freshSize = Number(values.fresh);
  const maxStreams = Math.max(clients, ...selectiveSizes, scenarios.has('fresh') ? freshSize : 0);
  checkOpenFiles(maxStreams);
  const make: Record<string, () => Target> = {
    nchan: () => new NchanTarget(),
    // Built once below: the fresh processes of optins and fresh reuse the build.
    product: () => new ProductTarget({ maxClients: maxStreams, build: false, ...(profileDir ? { cpuProfDir: profileDir } : {}) }),
    node: () => new TutorialTarget(),
  };
  const names = values.targets.split(',');
  for (const name of names) if (!make[name]) throw new Error(`unknown target ${name} (nchan, product, node)`);
  for (const name of scenarios) if (!ALL.includes(name)) throw new Error(`unknown scenario ${name} (${ALL.join(', ')})`);
  const optinRates = values['optin-rate'].split(',').filter(Boolean).map(Number);
  const started = Date.now();
  if (names.includes('product') && !values['no-build']) buildProduct();

  const results = new Map<string, Figures>();
  const running: { target?: Target; pool?: ClientPool } = {};
  const killer = setTimeout(() => {
    console.error(`compare: time limit of ${values.limit} s reached, stopping`);
    running.pool?.stop();
    void running.target?.stop().finally(() => process.exit(3));
  }, Number(values.limit) * 1000);
  killer.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      running.pool?.stop();
      void (running.target?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
    });

  for (const name of names) {
    const target = make[name]!();
    const figures: Figures = new Map();
    results.set(target.name, figures);
    const pool = new ClientPool(Number(values.procs));
    running.target = target;
    running.pool = pool;
    const publisher = new Publisher(target);
    const ctx: Context = { target, pool, publisher, clients, duration: Number(values.duration), log: (line) => console.log(line) };
    console.log(`\n== ${target.name}`);
    const freshCtx: FreshContext = { ...ctx, make: make[name]!, running: (t) => (running.target = t) };
    try {
      const t0 = Date.now();
      const step = async (name: string, body: () => Promise<void>) => {
        console.log(`  [${((Date.now() - t0) / 1000).toFixed(0)} s] ${name}`);
        await body();
      };
      if (SHARED.some((s) => scenarios.has(s))) {
        await step('start', () => target.start());
        if (scenarios.has('idle')) await step('idle', () => idle(ctx, figures, settle));
        else await step('open', async () => void (await pool.open(Array.from({ length: clients }, () => target.subscribeUrl('all')))));
        if (scenarios.has('steady')) for (const rate of values.rates.split(',').map(Number)) await step(`steady ${rate}`, () => steady(ctx, figures, rate));
        if (scenarios.has('burst')) await step('burst', () => burst(ctx, figures, Number(values.burst)));
        if (scenarios.has('replay')) await step('replay', () => replayStorm(ctx, figures, Number(values['replay-back'])));
        if (scenarios.has('slow')) await step('slow', () => slowMix(ctx, figures, Number(values['slow-rate'])));
        if (scenarios.has('selective'))
          for (const size of selectiveSizes) await step(`selective ${size}`, () => selective(ctx, figures, size, Number(values['selective-rate']), settle));
        const perEvent = selectiveSizes.map((size) => figures.get(`selective, N=${size} streams on their own channel, ${values['selective-rate']} ev/s: server CPU per event (µs)`));
        if (perEvent.length >= 2 && perEvent[0] && perEvent.at(-1) !== undefined)
          figures.set(`selective: CPU per event at N=${selectiveSizes.at(-1)} vs N=${selectiveSizes[0]} (% change)`, 100 * (perEvent.at(-1)! / perEvent[0] - 1));
        if (publisher.failed) console.log(`${target.name}: ${publisher.failed} publish requests failed`);
        // The scenarios below start processes of their own; this one would only share the core.
        publisher.close();
        await pool.closeAll();
        await target.stop();
      }
      if (scenarios.has('optins')) await step('opt-ins (a fresh process per mode)', () => optIns(freshCtx, figures, optinRates, Number(values.batch), settle));
      if (scenarios.has('fresh')) await step(`fresh process, ${freshSize} streams`, () => freshIdle(freshCtx, figures, freshSize, Number(values['fresh-rate']), settle));
      console.log(`  [${((Date.now() - t0) / 1000).toFixed(0)} s] done`);
    } catch (err) {
      console.error(`${target.name}: ${(err as Error).stack ?? String(err)}`);
    } finally {
      publisher.close();
      await pool.closeAll().catch(() => undefined);
      pool.stop();
      // Stopping a target that is not running (or never started) does nothing.
      await running.target?.stop().catch(() => undefined);
      await target.stop().catch(() => undefined);
    }
    for (const [key, value] of figures) console.log(`  ${key}: ${Number.isFinite(value) ? value.toFixed(2) : value}`);
  }
  clearTimeout(killer);
  const wall = `total wall time ${((Date.now() - started) / 1000).toFixed(0)} s (limit ${values.limit} s)`;

  const markdown = table(results);
  console.log(`\n${markdown}\n\n${wall}`);
  if (profileDir) console.log(`\nproduct CPU profile (${profileDir}), top frames by self time:\n${topFrames(profileDir, 15)}`);
  if (values.out) {
    const machine = [
      `- nproc: ${nproc}; ${cpus()[0]?.model ?? ''}`,
      `- node ${process.version}; ${sh('/usr/sbin/nginx', ['-v'])}; nchan module ${'/usr/lib/nginx/modules/ngx_nchan_module.so'}`,
      `- load average (1/5/15 min) at start: ${load0.map((l) => l.toFixed(2)).join(' / ')}; at end: ${loadavg().map((l) => l.toFixed(2)).join(' / ')}`,
      `- ephemeral ports: ${sh('cat', ['/proc/sys/net/ipv4/ip_local_port_range']).replace(/\s+/, '-')}; open files limit: ${sh('sh', ['-c', 'ulimit -n'])}`,
    ].join('\n');
    writeFileSync(
      values.out,
      `Command: \`npm run bench -- compare ${argv.join(' ')}\` (finished ${new Date().toISOString()}, ${wall})\n\n${machine}\n\n${markdown}\n`,
    );
    console.log(`written to ${values.out}`);
  }
}
