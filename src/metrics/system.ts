/**
 * Samples the process: memory (rss, heap), CPU (process.cpuUsage deltas, percent of one core),
 * event-loop delay (how late a due timer runs, src/metrics/loop-delay.ts) and utilization (eventLoopUtilization),
 * network bytes of the container (/proc/self/net/dev, without loopback) and disk I/O
 * (/proc/self/io) where those files exist. Keeps the recent snapshots for the memory trend.
 *
 * Lifecycle: the constructor does nothing; `start()` arms the event-loop monitor and takes the
 * baselines; `sample()` is called by the rollup's sampling tick; `takeMinute()` ends a minute.
 */
import { readFileSync } from 'node:fs';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { LoopDelayMonitor } from './loop-delay.ts';
import type { Now } from './clock.ts';
import { emptyResources, type ResourceFields } from './rollup/record.ts';

export interface SystemSnapshot {
  at: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  /** Percent of one core since the previous sample. */
  cpuPercent: number;
  /** Event-loop utilization (0..1) since the previous sample. */
  elu: number;
  loopDelayMeanMs: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Cumulative counters; undefined when the /proc file is not there. */
  netRxBytes?: number;
  netTxBytes?: number;
  diskReadBytes?: number;
  diskWriteBytes?: number;
}

/** Where the current minute began. */
interface MinuteBaseline {
  cpu: NodeJS.CpuUsage | undefined;
  at: number;
  elu: EventLoopUtilization | undefined;
  proc: ProcCounters;
}

interface ProcCounters {
  netRx?: number;
  netTx?: number;
  diskRead?: number;
  diskWrite?: number;
}

export interface SystemSamplerOptions {
  /** The clock. Default `Date.now`. */
  now?: Now;
  /** Default `process.memoryUsage`. */
  memoryUsage?: () => NodeJS.MemoryUsage;
  /** Default `process.cpuUsage`. */
  cpuUsage?: () => NodeJS.CpuUsage;
  /** Reads a /proc file, undefined when absent. Default: `readFileSync`, undefined on any error. */
  readProcFile?: (path: string) => string | undefined;
  /** Snapshots kept for the memory trend. Default 120 (10 minutes at the default 5 s sampling). */
  historySize?: number;
  /** Arm perf_hooks' event-loop monitors. Default true; tests with fake sources may turn it off. */
  monitorEventLoop?: boolean;
  /** The event-loop delay monitor. Default: a {@link LoopDelayMonitor} at its default resolution (100 ms). */
  loopDelay?: LoopDelayMonitor;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Parses /proc/self/net/dev: received and transmitted bytes summed over the interfaces other than `lo`. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!name || rest === undefined || name.trim() === 'lo') continue;
    const fields = rest.trim().split(/\s+/).map(Number);
    rx += fields[0] ?? 0;
    tx += fields[8] ?? 0;
  }
  return { rx, tx };
}

/** Parses /proc/self/io: bytes the process caused to be read from and written to storage. */
export function parseProcIo(text: string): { read: number; write: number } {
  const value = (key: string) => Number(new RegExp(`^${key}:\\s*(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { read: value('read_bytes'), write: value('write_bytes') };
}

export class SystemSampler {
  readonly #now: Now;
  readonly #memoryUsage: () => NodeJS.MemoryUsage;
  readonly #cpuUsage: () => NodeJS.CpuUsage;
  readonly #readProcFile: (path: string) => string | undefined;
  readonly #historySize: number;
  readonly #monitor: boolean;
  readonly #history: SystemSnapshot[] = [];
  readonly #delay: LoopDelayMonitor;
  #lastCpu: NodeJS.CpuUsage | undefined;
  #lastAt = 0;
  #lastElu: EventLoopUtilization | undefined;
  #minute: MinuteBaseline = { cpu: undefined, at: 0, elu: undefined, proc: {} };
  #minuteMax = emptyResources();

  constructor(options: SystemSamplerOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#memoryUsage = options.memoryUsage ?? (() => process.memoryUsage());
    this.#cpuUsage = options.cpuUsage ?? (() => process.cpuUsage());
    this.#readProcFile = options.readProcFile ?? readProc;
    this.#historySize = options.historySize ?? 120;
    this.#monitor = options.monitorEventLoop ?? true;
    this.#delay = options.loopDelay ?? new LoopDelayMonitor();
  }

  start(): void {
    if (this.#monitor) this.#delay.start();
    const now = this.#now();
    this.#lastCpu = this.#cpuUsage();
    this.#lastAt = now;
    this.#lastElu = this.#monitor ? performance.eventLoopUtilization() : undefined;
    this.#minute = { cpu: this.#lastCpu, at: now, elu: this.#lastElu, proc: this.#readCounters() };
    this.#minuteMax = emptyResources();
  }

  stop(): void {
    this.#delay.stop();
  }

  /** Takes one snapshot and remembers it. */
  sample(): SystemSnapshot {
    if (!this.#lastCpu) this.start();
    const now = this.#now();
    const memory = this.#memoryUsage();
    const cpu = this.#cpuUsage();
    const elu = this.#monitor ? performance.eventLoopUtilization() : undefined;
    const counters = this.#readCounters();
    const delay = this.#delay.take();
    const snapshot: SystemSnapshot = {
      at: now,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      heapTotal: memory.heapTotal,
      external: memory.external,
      cpuPercent: cpuPercent(this.#lastCpu, cpu, now - this.#lastAt),
      elu: elu && this.#lastElu ? performance.eventLoopUtilization(elu, this.#lastElu).utilization : 0,
      loopDelayMeanMs: delay.meanMs,
      loopDelayP99Ms: delay.p99Ms,
      loopDelayMaxMs: delay.maxMs,
      netRxBytes: counters.netRx,
      netTxBytes: counters.netTx,
      diskReadBytes: counters.diskRead,
      diskWriteBytes: counters.diskWrite,
    };
    this.#lastCpu = cpu;
    this.#lastAt = now;
    this.#lastElu = elu;
    const max = this.#minuteMax;
    max.memRssMax = Math.max(max.memRssMax, snapshot.rss);
    max.heapUsedMax = Math.max(max.heapUsedMax, snapshot.heapUsed);
    max.cpuMax = Math.max(max.cpuMax, snapshot.cpuPercent);
    max.loopDelayP99Max = Math.max(max.loopDelayP99Max, snapshot.loopDelayP99Ms);
    this.#history.push(snapshot);
    if (this.#history.length > this.#historySize) this.#history.shift();
    return snapshot;
  }

  /** The latest snapshot, taking one if none exists yet. */
  latest(): SystemSnapshot {
    return this.#history[this.#history.length - 1] ?? this.sample();
  }

  /** The remembered snapshots, oldest first. */
  history(): readonly SystemSnapshot[] {
    return this.#history;
  }

  /** Ends the current minute: a fresh sample, averages over the whole minute, maxima of its samples. */
  takeMinute(): ResourceFields {
    const last = this.sample();
    const start = this.#minute;
    const fields: ResourceFields = {
      ...this.#minuteMax,
      memRss: last.rss,
      heapUsed: last.heapUsed,
      cpuAvg: start.cpu ? cpuPercent(start.cpu, this.#lastCpu ?? start.cpu, last.at - start.at) : last.cpuPercent,
      eluAvg: start.elu && this.#lastElu ? performance.eventLoopUtilization(this.#lastElu, start.elu).utilization : last.elu,
      netRxBytes: delta(start.proc.netRx, last.netRxBytes),
      netTxBytes: delta(start.proc.netTx, last.netTxBytes),
      diskReadBytes: delta(start.proc.diskRead, last.diskReadBytes),
      diskWriteBytes: delta(start.proc.diskWrite, last.diskWriteBytes),
    };
    this.#minute = {
      cpu: this.#lastCpu,
      at: last.at,
      elu: this.#lastElu,
      proc: { netRx: last.netRxBytes, netTx: last.netTxBytes, diskRead: last.diskReadBytes, diskWrite: last.diskWriteBytes },
    };
    this.#minuteMax = emptyResources();
    return fields;
  }

  #readCounters(): ProcCounters {
    const out: ProcCounters = {};
    const net = this.#readProcFile('/proc/self/net/dev');
    if (net !== undefined) {
      const { rx, tx } = parseNetDev(net);
      out.netRx = rx;
      out.netTx = tx;
    }
    const io = this.#readProcFile('/proc/self/io');
    if (io !== undefined) {
      const { read, write } = parseProcIo(io);
      out.diskRead = read;
      out.diskWrite = write;
    }
    return out;
  }
}

function cpuPercent(from: NodeJS.CpuUsage | undefined, to: NodeJS.CpuUsage, wallMs: number): number {
  if (!from || wallMs <= 0) return 0;
  const usedMicros = to.user - from.user + (to.system - from.system);
  return Math.max(0, (usedMicros / 1000 / wallMs) * 100);
}

function delta(from: number | undefined, to: number | undefined): number {
  return from === undefined || to === undefined ? 0 : Math.max(0, to - from);
}
