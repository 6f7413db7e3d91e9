/**
 * `npm run bench -- h2 [--streams N] [--rate R] [--seconds S] [--rounds K]`: server CPU per
 * delivery on the TLS port, HTTP/2 against HTTP/1.1, in the same run and the same server process.
 *
 * The product runs in demo mode with `ssl` on (a certificate made by openssl for the run) in a
 * child process (`hub/server.ts`). This process opens N streams over HTTP/2 (multiplexed on
 * sessions of at most 100 streams, as a browser would on one origin) or over HTTP/1.1 (N TLS
 * connections), has the server publish R events per second for S seconds, and reads the server's
 * CPU time from the scheduler (`/proc/<pid>/task/*\/schedstat`) and its delivery count, and the
 * JavaScript heap the open streams hold (after a full GC, before the events). Rounds
 * alternate h1, h2, h1, h2 … so drift in the machine's load hits both alike. Loopback only.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs } from './hub/proc.ts';
import { benchEnv, reply } from './hub/scenario.ts';

const HERE = new URL('.', import.meta.url).pathname;
const ROOT = join(HERE, '..');

interface Options {
  streams: number;
  rate: number;
  seconds: number;
  rounds: number;
}

function parse(argv: string[]): Options {
  const value = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  return { streams: value('streams', 200), rate: value('rate', 50), seconds: value('seconds', 8), rounds: value('rounds', 2) };
}

/** A throwaway self-signed certificate for 127.0.0.1 in `dir` (fullchain.pem, privkey.pem). */
function certificate(dir: string): Buffer {
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'privkey.pem'),
      '-out', join(dir, 'fullchain.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return readFileSync(join(dir, 'fullchain.pem'));
}

/** N open streams of one protocol; counts the bytes each received. */
interface Streams {
  received: number[];
  close(): void;
}

async function openH2(url: string, path: string, token: string, n: number, ca: Buffer): Promise<Streams> {
  const received = new Array<number>(n).fill(0);
  const sessions: http2.ClientHttp2Session[] = [];
  const opened: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 100 === 0) {
      const session = http2.connect(url, { ca });
      session.on('error', () => {});
      sessions.push(session);
    }
    const stream = sessions.at(-1)!.request({ ':path': path, authorization: `Bearer ${token}` });
    stream.on('error', () => {});
    opened.push(new Promise((resolve) => stream.once('data', () => resolve())));
    stream.on('data', (chunk: Buffer) => (received[i]! += chunk.length));
  }
  await Promise.all(opened);
  return { received, close: () => sessions.forEach((s) => s.destroy()) };
}

async function openH1(url: string, path: string, token: string, n: number, ca: Buffer): Promise<Streams> {
  const received = new Array<number>(n).fill(0);
  const requests: ReturnType<typeof https.get>[] = [];
  const opened: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    opened.push(
      new Promise((resolve) => {
        const options = { ca, agent: false, ALPNProtocols: ['http/1.1'], headers: { Authorization: `Bearer ${token}` } } as https.RequestOptions;
        const req = https.get(`${url}${path}`, options, (res) => {
          res.once('data', () => resolve());
          res.on('data', (chunk: Buffer) => (received[i]! += chunk.length));
        });
        req.on('error', () => {});
        requests.push(req);
      }),
    );
  }
  await Promise.all(opened);
  return { received, close: () => requests.forEach((r) => r.destroy()) };
}

interface Result {
  protocol: 'h1' | 'h2';
  deliveries: number;
  cpuMs: number;
  usPerDelivery: number;
  silent: number;
  /** JavaScript heap per open stream after a full GC, bytes (RSS is too coarse for a few hundred streams). */
  heapPerStream: number;
}

export async function run(argv: string[]): Promise<void> {
  const options = parse(argv);
  const dir = mkdtempSync(join(tmpdir(), 'sse-hub-bench-h2-'));
  const ca = certificate(dir);
  const child = fork(join(ROOT, 'bench', 'hub', 'server.ts'), [], {
    execArgv: ['--import', 'tsx', '--expose-gc', '--max-semi-space-size=2'],
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...benchEnv(options.streams, join(dir, 'data')), SSL: 'true', SSL_DIR: dir },
  });
  const heap = async () => {
    child.send({ type: 'gc' });
    return (await reply<{ memory: NodeJS.MemoryUsage }>(child, 'gc')).memory;
  };
  const stats = async () => (child.send({ type: 'stats' }), reply<{ deliveries: number; connections: number }>(child, 'stats'));
  try {
    const ready = await reply<{ url: string; token: string }>(child, 'ready', 60_000);
    console.log(`h2 vs HTTP/1.1 on the TLS port: ${options.streams} streams, ${options.rate} events/s, ${options.seconds} s per round, ${options.rounds} rounds each`);
    const path = '/subscribe_events?domain=sensor';
    const results: Result[] = [];
    for (let round = 0; round < options.rounds * 2; round++) {
      const protocol = round % 2 === 0 ? 'h1' : 'h2';
      const idle = await heap();
      const streams = await (protocol === 'h2' ? openH2 : openH1)(ready.url, path, ready.token, options.streams, ca);
      const open = await heap();
      const heapPerStream = (open.heapUsed - idle.heapUsed) / options.streams;
      const before = await stats();
      const cpuBefore = cpuMs(child.pid!);
      child.send({ type: 'rate', eventsPerSecond: options.rate });
      await new Promise((r) => setTimeout(r, options.seconds * 1000));
      child.send({ type: 'idle' });
      const cpu = cpuMs(child.pid!) - cpuBefore;
      const after = await stats();
      const deliveries = after.deliveries - before.deliveries;
      const silent = streams.received.filter((bytes) => bytes === 0).length;
      streams.close();
      const result = { protocol, deliveries, cpuMs: cpu, usPerDelivery: (cpu * 1000) / Math.max(1, deliveries), silent, heapPerStream } satisfies Result;
      results.push(result);
      console.log(`  round ${round + 1} ${protocol}: ${deliveries} deliveries, server CPU ${cpu.toFixed(0)} ms, ${result.usPerDelivery.toFixed(2)} µs/delivery, ${(heapPerStream / 1024).toFixed(1)} KiB heap per stream, ${silent} streams silent`);
      // Let the server see every stream close before the next round.
      for (let i = 0; i < 200 && (await stats()).connections > 0; i++) await new Promise((r) => setTimeout(r, 50));
    }
    const summary = (protocol: 'h1' | 'h2') => {
      const mine = results.filter((r) => r.protocol === protocol);
      const cpu = mine.reduce((s, r) => s + r.cpuMs, 0);
      const deliveries = mine.reduce((s, r) => s + r.deliveries, 0);
      return { deliveries, cpu, us: (cpu * 1000) / Math.max(1, deliveries), heapKiB: mine.reduce((s, r) => s + r.heapPerStream, 0) / mine.length / 1024 };
    };
    const h1 = summary('h1');
    const h2 = summary('h2');
    console.log('');
    console.log('| protocol | deliveries | server CPU ms | µs per delivery | heap KiB per stream |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    console.log(`| HTTP/1.1 over TLS | ${h1.deliveries} | ${h1.cpu.toFixed(0)} | ${h1.us.toFixed(2)} | ${h1.heapKiB.toFixed(1)} |`);
    console.log(`| HTTP/2 over TLS | ${h2.deliveries} | ${h2.cpu.toFixed(0)} | ${h2.us.toFixed(2)} | ${h2.heapKiB.toFixed(1)} |`);
    console.log(`h2 / h1.1 CPU per delivery: ${(h2.us / h1.us).toFixed(2)}×`);
  } finally {
    child.send({ type: 'stop' });
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}
