/**
 * The comparison's scenarios, each run against one {@link Target} and returning named figures.
 * CPU and RSS are the server's own (summed over its processes, from /proc); latency is the client's
 * clock minus the publish time the event carries; deliveries are counted exactly per event number.
 */
import { preciseNow } from '../hub/latency.ts';
import { cpuMs, rssBytes, rssSplit } from '../hub/proc.ts';
import type { ClientPool } from './pool.ts';
import type { Publisher } from './publisher.ts';
import type { Target } from './targets.ts';

export type Figures = Map<string, number>;

export interface Context {
  target: Target;
  pool: ClientPool;
  publisher: Publisher;
  clients: number;
  duration: number;
  log: (line: string) => void;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const KiB = 1024;
const MiB = 2 ** 20;

/** The server's CPU time (every thread of every process), from the scheduler's nanosecond account. */
export function serverCpuMs(target: Target): number {
  return target.pids().reduce((sum, pid) => sum + cpuMs(pid), 0);
}

export function serverRss(target: Target): number {
  return target.pids().reduce((sum, pid) => sum + rssBytes(pid), 0);
}

export const urls = (ctx: Context, count: number, channel: (i: number) => string) => Array.from({ length: count }, (_, i) => ctx.target.subscribeUrl(channel(i)));

/** Waits until `check` holds or `timeoutMs` passes; returns whether it held. */
async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(100);
  }
  return false;
}

export function serverAnon(target: Target): number {
  return target.pids().reduce((sum, pid) => sum + rssSplit(pid).anon, 0);
}

/** Process RSS before any stream, and its split: most of a Node process's RSS then is the binary's file-backed pages. */
export function rssBeforeStreams(ctx: Context, f: Figures, label: string): void {
  const split = ctx.target.pids().map(rssSplit);
  f.set(`${label} (MiB)`, serverRss(ctx.target) / MiB);
  f.set(`${label}: anonymous, RssAnon (MiB)`, split.reduce((sum, s) => sum + s.anon, 0) / MiB);
  f.set(`${label}: file-backed, RssFile (MiB)`, split.reduce((sum, s) => sum + s.file, 0) / MiB);
}

/**
 * Opens one stream per URL and records the RSS growth per stream `settleSeconds` after the ramp
 * (and how much of it is anonymous memory), then after a full GC where the target can.
 */
export async function idleGrowth(ctx: Context, f: Figures, label: string, streams: string[], settleSeconds: number, headers: Record<string, string> = {}): Promise<void> {
  const before = serverRss(ctx.target);
  const anon = serverAnon(ctx.target);
  const opened = await ctx.pool.open(streams, { headers });
  if (opened.connected !== streams.length) throw new Error(`${ctx.target.name}: only ${opened.connected}/${streams.length} streams opened (${label})`);
  await sleep(settleSeconds * 1000);
  const per = (bytes: number) => bytes / streams.length / KiB;
  f.set(`${label}, ${settleSeconds} s after the ramp, no GC (KiB)`, per(serverRss(ctx.target) - before));
  f.set(`${label}, ${settleSeconds} s after the ramp, no GC: of which RssAnon (KiB)`, per(serverAnon(ctx.target) - anon));
  if (await ctx.target.gc()) f.set(`${label}, after a full GC (KiB)`, per(serverRss(ctx.target) - before));
}

/** RSS before any stream, then N streams on the `all` channel: RSS per idle stream a few seconds after the ramp, then after a full GC. */
export async function idle(ctx: Context, f: Figures, settleSeconds: number, fresh = false): Promise<void> {
  await sleep(2000);
  rssBeforeStreams(ctx, f, `process RSS before any stream${fresh ? `, fresh process for N=${ctx.clients}` : ''}`);
  await idleGrowth(ctx, f, `RSS per idle stream, N=${ctx.clients}${fresh ? ' (fresh process)' : ''}`, urls(ctx, ctx.clients, () => 'all'), settleSeconds);
}

export interface Window {
  deliveries: number;
  expected: number;
  /** From the window's start to its last delivery (at least the window): a saturated server delivers after it. */
  seconds: number;
  /** From the window's start to the CPU reading (window, the requests in flight, 1 s drain). */
  span: number;
  cpuMs: number;
  p50: number;
  p99: number;
  bytesPerDelivery: number;
}

/** Publishes at `rate` for 1 s of warm-up plus `seconds`; counts the events published in the window. */
export async function steadyWindow(ctx: Context, rate: number, seconds: number, receivers: number, channelOf: (n: number) => string): Promise<Window> {
  ctx.publisher.steady(rate, channelOf);
  await sleep(1000);
  await ctx.pool.reset();
  ctx.publisher.resetTimings();
  const first = ctx.publisher.next;
  const cpu0 = serverCpuMs(ctx.target);
  const client0 = ctx.pool.cpuMs();
  const started = performance.now();
  const startedAt = preciseNow();
  await sleep(seconds * 1000);
  const last = ctx.publisher.next; // events first..last-1 are in the window
  const elapsed = (performance.now() - started) / 1000;
  await ctx.publisher.stop();
  await sleep(1000); // drain
  const cpuMs = serverCpuMs(ctx.target) - cpu0;
  const clientMs = ctx.pool.cpuMs() - client0;
  const span = (performance.now() - started) / 1000;
  const s = await ctx.pool.stats();
  let deliveries = 0;
  for (let n = first; n < last; n++) deliveries += s.perN.get(n) ?? 0;
  ctx.log(`    publish round trip: mean ${(ctx.publisher.rttSum / Math.max(1, ctx.publisher.rttCount)).toFixed(1)} ms, max ${ctx.publisher.rttMax.toFixed(1)} ms`);
  // Near 100 % the load clients, not the server, set the latency (they share CPU 1 with the publisher).
  ctx.log(`    load clients' CPU use: ${((100 * clientMs) / (span * 1000)).toFixed(0)} % of one core (window and drain)`);
  return {
    deliveries,
    expected: (last - first) * receivers,
    seconds: Math.max(elapsed, (s.lastReceiveAt - startedAt) / 1000),
    span,
    cpuMs,
    p50: s.histogram.quantile(0.5),
    p99: s.histogram.quantile(0.99),
    bytesPerDelivery: s.bytes / Math.max(1, s.received),
  };
}

export function record(f: Figures, label: string, w: Window): void {
  f.set(`${label}: deliveries/s`, w.deliveries / w.seconds);
  f.set(`${label}: delivered %`, (100 * w.deliveries) / Math.max(1, w.expected));
  f.set(`${label}: p50 latency (ms)`, w.p50);
  f.set(`${label}: p99 latency (ms)`, w.p99);
  f.set(`${label}: server CPU per delivery (µs)`, (w.cpuMs * 1000) / Math.max(1, w.deliveries));
  // Near 100 % the server is saturated on its core: latency then measures its queue.
  f.set(`${label}: server CPU use (% of its core, window + drain)`, (100 * w.cpuMs) / (w.span * 1000));
  f.set(`${label}: bytes per delivery`, w.bytesPerDelivery);
}

export async function steady(ctx: Context, f: Figures, rate: number): Promise<void> {
  record(f, `N=${ctx.clients} steady ${rate} ev/s`, await steadyWindow(ctx, rate, ctx.duration, ctx.clients, () => 'all'));
}

/** `size` events published at once; deliveries/s from the first publish to the last delivery. */
export async function burst(ctx: Context, f: Figures, size: number): Promise<void> {
  await ctx.pool.reset();
  const first = ctx.publisher.next;
  const cpu0 = serverCpuMs(ctx.target);
  const t0 = preciseNow();
  await ctx.publisher.burst(size, () => 'all');
  const expected = size * ctx.clients;
  let s = await ctx.pool.stats();
  await until(async () => (s = await ctx.pool.stats()).received >= expected, 30_000);
  await sleep(500);
  const cpuMs = serverCpuMs(ctx.target) - cpu0;
  s = await ctx.pool.stats();
  let deliveries = 0;
  for (let n = first; n < first + size; n++) deliveries += s.perN.get(n) ?? 0;
  const label = `N=${ctx.clients} burst of ${size}`;
  f.set(`${label}: deliveries/s`, deliveries / ((s.lastReceiveAt - t0) / 1000));
  f.set(`${label}: delivered %`, (100 * deliveries) / expected);
  f.set(`${label}: p99 latency (ms)`, s.histogram.quantile(0.99));
  f.set(`${label}: server CPU per delivery (µs)`, (cpuMs * 1000) / Math.max(1, deliveries));
}

/** Every stream closes; N clients reconnect at once with a Last-Event-ID `back` events behind the last one. */
export async function replayStorm(ctx: Context, f: Figures, back: number): Promise<void> {
  const label = `replay storm, ${ctx.clients} clients, ${back} events back`;
  if (!ctx.target.replays) {
    ctx.log(`${ctx.target.name}: no Last-Event-ID replay; replay storm skipped`);
    await ctx.pool.closeAll();
    await ctx.pool.open(urls(ctx, ctx.clients, () => 'all'));
    return;
  }
  // The missed events, published one after another so the server's order is the numbering (a burst's
  // concurrent POSTs may reach it in any order); the live streams see them and learn their ids.
  const from = ctx.publisher.next;
  for (let i = 0; i <= back; i++) await ctx.publisher.one('all');
  await sleep(1000);
  const id = await ctx.pool.idOf(from);
  if (id === null) throw new Error(`${ctx.target.name}: no id seen for event ${from}`);
  await ctx.pool.closeAll();
  await sleep(1000);
  const cpu0 = serverCpuMs(ctx.target);
  const opened = await ctx.pool.open(urls(ctx, ctx.clients, () => 'all'), {
    concurrency: ctx.clients,
    headers: { 'Last-Event-ID': id },
    track: true,
    expect: back,
  });
  let r = await ctx.pool.replay(from);
  await until(async () => (r = await ctx.pool.replay(from)).complete >= ctx.clients, 30_000);
  await sleep(500); // anything beyond the missed events would arrive now
  r = await ctx.pool.replay(from);
  const cpuMs = serverCpuMs(ctx.target) - cpu0;
  f.set(`${label}: time until every client has its missed events (ms)`, r.complete >= ctx.clients ? r.lastCompleteAt - opened.startedAt : NaN);
  f.set(`${label}: clients with exactly their missed events`, r.exact);
  f.set(`${label}: server CPU (ms)`, cpuMs);
}

/** 10 % of the streams stop reading; the others' latency at `rate`. */
export async function slowMix(ctx: Context, f: Figures, rate: number): Promise<void> {
  const paused = await ctx.pool.pause(0.1);
  const w = await steadyWindow(ctx, rate, ctx.duration, ctx.clients - paused, () => 'all');
  const label = `N=${ctx.clients}, ${paused} stop reading, ${rate} ev/s`;
  f.set(`${label}: readers' delivered %`, (100 * w.deliveries) / Math.max(1, w.expected));
  f.set(`${label}: readers' p99 latency (ms)`, w.p99);
  await ctx.pool.closeAll();
}

/** `count` streams, each on its own channel/entity; `rate` events/s spread over them: CPU per event. */
export async function selective(ctx: Context, f: Figures, count: number, rate: number, settleSeconds: number): Promise<void> {
  await ctx.pool.closeAll();
  await sleep(2000);
  await idleGrowth(ctx, f, `RSS per idle stream, N=${count} (own channel each)`, urls(ctx, count, (i) => `c${i}`), settleSeconds);
  const w = await steadyWindow(ctx, rate, ctx.duration, 1, (n) => `c${n % count}`);
  const label = `selective, N=${count} streams on their own channel, ${rate} ev/s`;
  f.set(`${label}: server CPU per event (µs)`, (w.cpuMs * 1000) / Math.max(1, w.expected));
  f.set(`${label}: delivered %`, (100 * w.deliveries) / Math.max(1, w.expected));
  await ctx.pool.closeAll();
}
