/**
 * The three servers of the comparison, started the same way: on 127.0.0.1, a port picked here,
 * pinned to CPU 0 with `taskset`, stopped by their own PIDs. Each one knows its subscribe URL and
 * how an event is published to it (HTTP POST through `publisher.ts`).
 *
 * - `nchan`: nginx with the nchan module, from a config generated into a temp dir (`-p <tmp> -c <conf>`,
 *   `daemon off`, one worker). Publisher location `/pub/<channel>`, EventSource subscriber `/sub/<channel>`,
 *   1000 messages kept per channel (the product's default `replay_buffer_size`).
 * - `product`: this repository, built with tsc into `.bench-build/` and run with plain `node` in
 *   standalone mode against the simulator (`core.ts`, on the client CPU); events go in through the
 *   core's REST API (`POST /api/states/<entity_id>`) and cross the websocket like real ones.
 * - `node:http`: `tutorial-server.mjs`.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HERE = new URL('.', import.meta.url).pathname;
export const ROOT = join(HERE, '..', '..');
const BUILD = join(ROOT, '.bench-build');
const NGINX = '/usr/sbin/nginx';
const NCHAN = '/usr/lib/nginx/modules/ngx_nchan_module.so';

export type TargetName = 'nchan' | 'product' | 'node:http';

export interface PublishRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface Target {
  readonly name: TargetName;
  /** Whether it replays from `Last-Event-ID`. */
  readonly replays: boolean;
  start(): Promise<void>;
  /** URL of a stream that gets the events of `channel` (`all`: every event). */
  subscribeUrl(channel: string): string;
  /** The POST that publishes event `n` (publish time `t`) to `channel`. */
  publishRequest(channel: string, n: number, t: number): PublishRequest & { origin: string };
  /** The server's processes (CPU and RSS are summed over them). */
  pids(): number[];
  /** Runs a full GC in the server if it can; false if it cannot. */
  gc(): Promise<boolean>;
  stop(): Promise<void>;
}

/** A free loopback port (closed again before the server binds it). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** A 64-byte JSON payload carrying the event number and its publish time. */
export function payload(n: number, t: number): string {
  const head = `{"t":${t.toFixed(3)},"n":${n},"p":"`;
  return `${head}${'x'.repeat(Math.max(0, 62 - head.length))}"}`;
}

function gcOver(child: ChildProcess): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message === 'gc-done');
    });
    child.send('gc');
  });
}

async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
  await exited;
  clearTimeout(timer);
}

/** Spawns `argv` pinned to CPU 0, with an IPC channel when `ipc`. */
function pinned(argv: string[], env: Record<string, string>, ipc: boolean): ChildProcess {
  return spawn('taskset', ['-c', '0', ...argv], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'inherit', 'inherit', ...(ipc ? (['ipc'] as const) : [])],
  });
}

export class NchanTarget implements Target {
  readonly name = 'nchan';
  readonly replays = true;
  #dir = '';
  #port = 0;
  #child: ChildProcess | undefined;

  async start(): Promise<void> {
    this.#dir = mkdtempSync(join(tmpdir(), 'sse-bench-nchan-'));
    this.#port = await freePort();
    for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(this.#dir, sub));
    const conf = join(this.#dir, 'nginx.conf');
    writeFileSync(
      conf,
      `load_module ${NCHAN};
daemon off;
worker_processes 1;
worker_rlimit_nofile 20000;
error_log ${this.#dir}/error.log warn;
pid ${this.#dir}/nginx.pid;
events { worker_connections 19000; }
http {
  access_log off;
  client_body_temp_path ${this.#dir}/body;
  proxy_temp_path ${this.#dir}/proxy;
  fastcgi_temp_path ${this.#dir}/fastcgi;
  uwsgi_temp_path ${this.#dir}/uwsgi;
  scgi_temp_path ${this.#dir}/scgi;
  server {
    listen 127.0.0.1:${this.#port};
    location ~ ^/pub/(\\w+)$ {
      nchan_publisher;
      nchan_channel_id $1;
      nchan_message_buffer_length 1000;
      nchan_message_timeout 1h;
    }
    location ~ ^/sub/(\\w+)$ {
      nchan_subscriber eventsource;
      nchan_channel_id $1;
    }
    location / {
      return 404;
    }
  }
}
`,
    );
    this.#child = pinned([NGINX, '-p', this.#dir, '-c', conf], {}, false);
    await waitFor('nginx', async () => (await fetch(`http://127.0.0.1:${this.#port}/nope`)).status === 404);
  }

  subscribeUrl(channel: string): string {
    return `http://127.0.0.1:${this.#port}/sub/${channel}`;
  }

  publishRequest(channel: string, n: number, t: number) {
    return { origin: `http://127.0.0.1:${this.#port}`, path: `/pub/${channel}`, headers: { 'Content-Type': 'application/json' }, body: payload(n, t) };
  }

  pids(): number[] {
    const master = this.#child?.pid;
    if (master === undefined) return [];
    const children = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return [master, ...children];
  }

  async gc(): Promise<boolean> {
    return false;
  }

  async stop(): Promise<void> {
    await stopChild(this.#child, 'SIGQUIT');
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

export class TutorialTarget implements Target {
  readonly name = 'node:http';
  readonly replays = false;
  #port = 0;
  #child: ChildProcess | undefined;

  async start(): Promise<void> {
    this.#port = await freePort();
    this.#child = pinned([process.execPath, '--expose-gc', join(HERE, 'tutorial-server.mjs'), String(this.#port)], {}, true);
    await waitFor('node:http', async () => (await fetch(`http://127.0.0.1:${this.#port}/nope`)).status === 404);
  }

  subscribeUrl(channel: string): string {
    return `http://127.0.0.1:${this.#port}/sub/${channel}`;
  }

  publishRequest(channel: string, n: number, t: number) {
    return { origin: `http://127.0.0.1:${this.#port}`, path: `/pub/${channel}`, headers: { 'Content-Type': 'application/json' }, body: payload(n, t) };
  }

  pids(): number[] {
    return this.#child?.pid === undefined ? [] : [this.#child.pid];
  }

  gc(): Promise<boolean> {
    return this.#child ? gcOver(this.#child) : Promise.resolve(false);
  }

  async stop(): Promise<void> {
    await stopChild(this.#child);
  }
}

export interface ProductOptions {
  maxClients: number;
  /** Rebuild `.bench-build/` with tsc first (else reuse it). */
  build: boolean;
  /** Directory for a `--cpu-prof` profile of the product process, if wanted. */
  cpuProfDir?: string;
}

/** Compiles src/ with the repository's build config into `.bench-build/` (plain JS, as `npm start` runs it). */
export function buildProduct(): void {
  rmSync(BUILD, { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', BUILD], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

export class ProductTarget implements Target {
  readonly name = 'product';
  readonly replays = true;
  #core: ChildProcess | undefined;
  #child: ChildProcess | undefined;
  #coreUrl = '';
  #token = '';
  #port = 0;
  #dataDir = '';

  constructor(readonly options: ProductOptions) {}

  async start(): Promise<void> {
    if (this.options.build) buildProduct();
    // The fake core runs on the client CPU (inherited from this process), like a real core would be elsewhere.
    this.#core = fork(join(HERE, 'core.ts'), [], { execArgv: ['--import', 'tsx'], cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
    const ready = await new Promise<{ url: string; token: string }>((resolve, reject) => {
      this.#core!.once('message', (m) => resolve(m as { url: string; token: string }));
      this.#core!.once('exit', (code) => reject(new Error(`fake core exited with ${code}`)));
    });
    this.#coreUrl = ready.url;
    this.#token = ready.token;
    this.#port = await freePort();
    this.#dataDir = mkdtempSync(join(tmpdir(), 'sse-bench-product-'));
    // The Node flags `npm start` (and the image's CMD) runs the product with; BENCH_NODE_FLAGS
    // replaces them (`BENCH_NODE_FLAGS=' '`: none) to measure what a flag changes.
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ');
    const nodeFlags = process.env.BENCH_NODE_FLAGS?.split(' ') ?? start;
    const flags = ['--expose-gc', ...nodeFlags.filter((arg) => arg.startsWith('--'))];
    if (this.options.cpuProfDir) flags.push('--cpu-prof', `--cpu-prof-dir=${this.options.cpuProfDir}`);
    this.#child = pinned(
      [process.execPath, ...flags, join(HERE, 'gc-entry.mjs'), join(BUILD, 'main.js')],
      {
        HA_URL: this.#coreUrl,
        HA_TOKEN: this.#token,
        PORT: String(this.#port),
        INGRESS_PORT: '0',
        BIND_HOST: '127.0.0.1',
        OPTIONS_PATH: join(this.#dataDir, 'no-options.json'),
        DATA_DIR: this.#dataDir,
        MAX_CLIENTS: String(Math.min(10_000, this.options.maxClients)),
        // One user on one address opens every stream: the new-stream window off, requests unlimited enough.
        STREAM_LIMIT: '0',
        RATE_LIMIT_PER_MINUTE: '100000',
        ALERT_CONNECTIONS: '0',
        LOG_LEVEL: 'error',
        // More of the product's options for an experiment, e.g. BENCH_PRODUCT_ENV='{"PING_INTERVAL":"300"}'.
        ...(JSON.parse(process.env.BENCH_PRODUCT_ENV ?? '{}') as Record<string, string>),
      },
      true,
    );
    // The small-board profile: BENCH_PRODUCT_CGROUP names a cgroup (v1 cpu controller folder, or a
    // v2 group) the product process joins at once, e.g. one limited to 25 % of a core.
    const cgroup = process.env.BENCH_PRODUCT_CGROUP;
    if (cgroup && this.#child?.pid !== undefined) writeFileSync(join(cgroup, 'cgroup.procs'), String(this.#child.pid));
    // Ready when it serves and its upstream (the fake core's websocket) is connected.
    const health = `http://127.0.0.1:${this.#port}/healthz`;
    await waitFor('product', async () => (await (await fetch(health)).text()).includes('"upstream":"connected"'));
  }

  subscribeUrl(channel: string): string {
    const filter = channel === 'all' ? '' : `&entity_id=sensor.bench_${channel}`;
    return `http://127.0.0.1:${this.#port}/subscribe_events?token=${this.#token}${filter}`;
  }

  publishRequest(channel: string, n: number, t: number) {
    const entity = channel === 'all' ? `sensor.bench_${n % 100}` : `sensor.bench_${channel}`;
    return {
      origin: this.#coreUrl,
      path: `/api/states/${entity}`,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.#token}` },
      body: `{"state":"${n}","attributes":{"t":${t.toFixed(3)},"n":${n}}}`,
    };
  }

  pids(): number[] {
    return this.#child?.pid === undefined ? [] : [this.#child.pid];
  }

  gc(): Promise<boolean> {
    return this.#child ? gcOver(this.#child) : Promise.resolve(false);
  }

  /** The product's V8 heap spaces and `process.memoryUsage()` (`gc-entry.mjs`). */
  heap(): Promise<{ spaces: { space_name: string; space_size: number; space_used_size: number }[]; usage: NodeJS.MemoryUsage }> {
    const child = this.#child!;
    return new Promise((resolve) => {
      const onMessage = (message: unknown) => {
        if (typeof message !== 'object' || message === null || !('heap' in message)) return;
        child.off('message', onMessage);
        resolve((message as { heap: Awaited<ReturnType<ProductTarget['heap']>> }).heap);
      };
      child.on('message', onMessage);
      child.send('heap');
    });
  }

  async stop(): Promise<void> {
    await stopChild(this.#child);
    if (this.#core?.connected) this.#core.disconnect();
    await stopChild(this.#core);
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}
