/**
 * `npm run bench -- idle [--streams 1000] [--warmup 10] [--window 30] [--no-build] [--cpu-prof DIR]`:
 * what the product costs while nothing happens. It runs as the comparison runs it
 * (`compare/targets.ts`: the compiled product with the flags of `npm start`, standalone against the
 * simulator, pinned to CPU 0) and reads its CPU time and memory from /proc:
 *
 * 1. 0 streams: after `--warmup` seconds, CPU over a `--window`-second window;
 * 2. N idle streams (pings only): the same again once they are open and settled.
 *
 * CPU is reported twice: user+system from `/proc/<pid>/stat` (10 ms ticks, the figure `top`
 * shows) and the scheduler's nanosecond account of every thread (`/proc/<pid>/task/<tid>/schedstat`).
 * With `--cpu-prof DIR` the product writes a V8 CPU profile there when it stops, to see what wakes
 * it. Loopback only; it stops what it started.
 */
import { parseArgs } from 'node:util';
import { ClientPool } from './compare/pool.ts';
import { ProductTarget } from './compare/targets.ts';
import { cpuMs, cpuTimes, rssSplit } from './hub/proc.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MiB = 2 ** 20;

interface Window {
  label: string;
  statMsPerS: number;
  schedMsPerS: number;
  rssMiB: number;
  anonMiB: number;
}

/** CPU per second of wall time of `pid` over `seconds`, both ways, and its memory at the end. */
async function measure(label: string, pid: number, seconds: number): Promise<Window> {
  const t0 = performance.now();
  const stat0 = cpuTimes(pid);
  const sched0 = cpuMs(pid);
  await sleep(seconds * 1000);
  const stat1 = cpuTimes(pid);
  const sched1 = cpuMs(pid);
  const elapsed = (performance.now() - t0) / 1000;
  const { anon, file } = rssSplit(pid);
  return {
    label,
    statMsPerS: (stat1.user + stat1.system - stat0.user - stat0.system) / elapsed,
    schedMsPerS: (sched1 - sched0) / elapsed,
    rssMiB: (anon + file) / MiB,
    anonMiB: anon / MiB,
  };
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      streams: { type: 'string', default: '1000' },
      warmup: { type: 'string', default: '10' },
      window: { type: 'string', default: '30' },
      'no-build': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
    },
  });
  const streams = Number(values.streams);
  const warmup = Number(values.warmup);
  const window = Number(values.window);
  const product = new ProductTarget({ maxClients: Math.max(100, streams + 10), build: !values['no-build'], cpuProfDir: values['cpu-prof'] });
  const pool = new ClientPool(2);
  const rows: Window[] = [];
  await product.start();
  try {
    const pid = product.pids()[0]!;
    await sleep(warmup * 1000);
    rows.push(await measure('0 streams', pid, window));
    if (streams > 0) {
      const urls = Array.from({ length: streams }, (_, i) => product.subscribeUrl(String(i)));
      const { connected } = await pool.open(urls, { concurrency: 100 });
      if (connected !== streams) throw new Error(`only ${connected} of ${streams} streams opened`);
      await sleep(warmup * 1000);
      rows.push(await measure(`${streams} idle streams`, pid, window));
    }
  } finally {
    pool.stop();
    await product.stop();
  }
  console.log(`\nidle cost of the product (${warmup} s warm-up, ${window} s window, pinned to CPU 0)\n`);
  console.log('| | CPU ms/s (/proc stat, user+system) | CPU ms/s (schedstat, all threads) | RSS MiB | RssAnon MiB |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.label} | ${r.statMsPerS.toFixed(2)} | ${r.schedMsPerS.toFixed(2)} | ${r.rssMiB.toFixed(1)} | ${r.anonMiB.toFixed(1)} |`);
  }
  if (values['cpu-prof']) console.log(`\nCPU profile written to ${values['cpu-prof']} (open it in Chrome DevTools → Performance).`);
}
