/**
 * `npm run bench -- memory [--no-build] [--settle 3] [--deps]`: where the product's resident memory goes
 * before any stream, next to a bare `node` process: RSS split into anonymous and file-backed
 * pages, the largest mappings of /proc/<pid>/smaps, and the V8 heap by space (committed and used).
 * The product runs as the comparison runs it (`compare/targets.ts`: standalone mode against the
 * simulator, the flags of `npm start`, pinned to CPU 0). Loopback only; stops what it started.
 * With `--deps`, it also measures each dependency's and each large module group's share: a fresh
 * `node` imports just that module, collects garbage twice, and reports V8 heap used and RssAnon
 * over a bare process's.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ProductTarget, ROOT, buildProduct } from './compare/targets.ts';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const MiB = 2 ** 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function status(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const m = /^(VmRSS|RssAnon|RssFile|RssShmem):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * 1024;
  }
  return out;
}

/** Resident bytes per mapping (the file, or `[anon]`, `[heap]`, `[stack]`), largest first. */
function mappings(pid: number): [string, number][] {
  const sizes = new Map<string, number>();
  let current = '[anon]';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) current = head[1] || '[anon]';
    else if (line.startsWith('Rss:')) sizes.set(current, (sizes.get(current) ?? 0) + Number(line.split(/\s+/)[1]) * 1024);
  }
  return [...sizes].sort((a, b) => b[1] - a[1]);
}

const mib = (bytes: number | undefined) => (bytes === undefined ? '—' : (bytes / MiB).toFixed(1));

/** What importing one module costs a fresh node: heap used and RssAnon after two full GCs. */
function importCost(specifier: string | undefined): { heap: number; anon: number } {
  const load = specifier === undefined ? '' : `await import(${JSON.stringify(specifier)});`;
  const script = `${load} gc(); gc(); const s = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8');
process.stdout.write(JSON.stringify({ heap: process.memoryUsage().heapUsed, anon: Number(/RssAnon:\\s+(\\d+)/.exec(s)[1]) * 1024 }));`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out) as { heap: number; anon: number };
}

/** The packages the server imports at start, and the product's own large module groups (built JS). */
function dependencyShares(): void {
  const build = join(ROOT, '.bench-build');
  const targets: [string, string][] = [
    ...['koa', '@koa/router', 'ws', 'better-sqlite3', 'pino', 'zod', 'rate-limiter-flexible', 'prom-client', 'ioredis'].map((p): [string, string] => [p, p]),
    ['the whole server (app/server.js)', join(build, 'app', 'server.js')],
    ['simulator/ (demo mode only)', join(build, 'simulator', 'index.js')],
    ['http/openapi.js (on first request)', join(build, 'http', 'openapi.js')],
    ['web/panel-bundle.js', join(build, 'web', 'panel-bundle.js')],
  ];
  const bare = importCost(undefined);
  console.log('\nwhat importing one module costs a fresh node, after two full GCs (MiB over a bare node)\n');
  console.log('| module | V8 heap used | RssAnon |\n| --- | ---: | ---: |');
  for (const [label, specifier] of targets) {
    const cost = importCost(specifier);
    console.log(`| ${label} | ${mib(cost.heap - bare.heap)} | ${mib(cost.anon - bare.anon)} |`);
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { 'no-build': { type: 'boolean', default: false }, settle: { type: 'string', default: '3' }, deps: { type: 'boolean', default: false } },
  });
  if (values.deps) {
    if (!values['no-build']) buildProduct();
    dependencyShares();
    return;
  }
  const settle = Number(values.settle) * 1000;

  // A bare node process, as the floor: the binary's pages and V8's empty heap.
  const bare = spawn('taskset', ['-c', '0', process.execPath, '-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  await sleep(settle);
  const bareStatus = status(bare.pid!);
  bare.kill();

  const product = new ProductTarget({ maxClients: 100, build: !values['no-build'] });
  await product.start();
  try {
    await sleep(settle);
    const pid = product.pids()[0]!;
    const own = status(pid);
    const heap = await product.heap();
    const rows: [string, string, string][] = [
      ['VmRSS', mib(bareStatus.VmRSS), mib(own.VmRSS)],
      ['RssAnon (anonymous: heaps, stacks)', mib(bareStatus.RssAnon), mib(own.RssAnon)],
      ['RssFile (file-backed: the node binary, libraries)', mib(bareStatus.RssFile), mib(own.RssFile)],
    ];
    console.log(`\nprocess memory ${values.settle} s after start (MiB)\n`);
    console.log('| | bare node | this product |\n| --- | ---: | ---: |');
    for (const [label, a, b] of rows) console.log(`| ${label} | ${a} | ${b} |`);
    console.log(`\nthis product: resident memory by mapping (MiB, /proc/${pid}/smaps)\n`);
    console.log('| mapping | RSS |\n| --- | ---: |');
    for (const [name, bytes] of mappings(pid).slice(0, 8)) console.log(`| ${name.replace(/^.*node_modules\//, 'node_modules/')} | ${mib(bytes)} |`);
    console.log('\nthis product: V8 heap (MiB)\n');
    console.log('| space | committed | used |\n| --- | ---: | ---: |');
    for (const s of heap.spaces.filter((s) => s.space_size > 0)) console.log(`| ${s.space_name} | ${mib(s.space_size)} | ${mib(s.space_used_size)} |`);
    const { heapTotal, heapUsed, external, arrayBuffers } = heap.usage;
    console.log(`| total (process.memoryUsage) | ${mib(heapTotal)} | ${mib(heapUsed)} |`);
    console.log(`\nexternal (Buffers and other memory V8 objects hold outside the heap): ${mib(external)} MiB, of which ArrayBuffers ${mib(arrayBuffers)} MiB`);
  } finally {
    await product.stop();
  }
}
