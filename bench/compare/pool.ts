/** The load-client processes (`client.ts`), forked on the client CPU, and their merged answers. */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { LatencyHistogram } from '../hub/latency.ts';
import { cpuMs } from '../hub/proc.ts';
import { ROOT } from './targets.ts';

const HERE = new URL('.', import.meta.url).pathname;

export interface Merged {
  streams: number;
  received: number;
  bytes: number;
  lastReceiveAt: number;
  perN: Map<number, number>;
  histogram: LatencyHistogram;
}

interface StatsAnswer {
  streams: number;
  received: number;
  bytes: number;
  lastReceiveAt: number;
  perN: [number, number][];
  histogram: ReturnType<LatencyHistogram['toJSON']>;
}

export class ClientPool {
  readonly children: ChildProcess[];

  constructor(procs: number) {
    this.children = Array.from({ length: procs }, () => fork(join(HERE, 'client.ts'), [], { execArgv: ['--import', 'tsx'], cwd: ROOT }));
  }

  #ask<T>(child: ChildProcess, message: { type: string; [key: string]: unknown }, timeoutMs = 120_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client ${child.pid}: no answer to ${message.type}`)), timeoutMs);
      const onMessage = (answer: { type: string }) => {
        if (answer.type !== message.type) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(answer as T);
      };
      child.on('message', onMessage);
      child.send(message);
    });
  }

  #all<T>(message: { type: string; [key: string]: unknown }): Promise<T[]> {
    return Promise.all(this.children.map((child) => this.#ask<T>(child, message)));
  }

  /** Opens one stream per URL, spread over the processes; resolves with how many opened and when the first began. */
  async open(urls: string[], options: { concurrency?: number; headers?: Record<string, string>; track?: boolean; expect?: number } = {}) {
    const k = this.children.length;
    const answers = await Promise.all(
      this.children.map((child, i) =>
        this.#ask<{ connected: number; startedAt: number }>(child, { type: 'open', urls: urls.filter((_, j) => j % k === i), ...options }),
      ),
    );
    return { connected: answers.reduce((a, b) => a + b.connected, 0), startedAt: Math.min(...answers.map((a) => a.startedAt)) };
  }

  async reset(): Promise<void> {
    await this.#all({ type: 'reset' });
  }

  async stats(): Promise<Merged> {
    const answers = await this.#all<StatsAnswer>({ type: 'stats' });
    const merged: Merged = { streams: 0, received: 0, bytes: 0, lastReceiveAt: 0, perN: new Map(), histogram: new LatencyHistogram() };
    for (const a of answers) {
      merged.streams += a.streams;
      merged.received += a.received;
      merged.bytes += a.bytes;
      merged.lastReceiveAt = Math.max(merged.lastReceiveAt, a.lastReceiveAt);
      for (const [n, count] of a.perN) merged.perN.set(n, (merged.perN.get(n) ?? 0) + count);
      merged.histogram.merge(a.histogram);
    }
    return merged;
  }

  /** The server's id string of event `n`, as some client saw it. */
  async idOf(n: number): Promise<string | null> {
    const answers = await this.#all<{ ids: (string | null)[] }>({ type: 'ids', ns: [n] });
    return answers.map((a) => a.ids[0]).find((id) => id != null) ?? null;
  }

  async pause(fraction: number): Promise<number> {
    return (await this.#all<{ paused: number }>({ type: 'pause', fraction })).reduce((a, b) => a + b.paused, 0);
  }

  async closeAll(): Promise<void> {
    await this.#all({ type: 'closeAll' });
  }

  async replay(from: number): Promise<{ tracked: number; complete: number; exact: number; lastCompleteAt: number }> {
    const answers = await this.#all<{ tracked: number; complete: number; exact: number; lastCompleteAt: number }>({ type: 'replay', from });
    return answers.reduce((a, b) => ({
      tracked: a.tracked + b.tracked,
      complete: a.complete + b.complete,
      exact: a.exact + b.exact,
      lastCompleteAt: Math.max(a.lastCompleteAt, b.lastCompleteAt),
    }));
  }

  /** CPU time of the client processes so far, in ms. */
  cpuMs(): number {
    return this.children.reduce((sum, child) => {
      try {
        return sum + (child.pid === undefined ? 0 : cpuMs(child.pid));
      } catch {
        return sum; // exited
      }
    }, 0);
  }

  stop(): void {
    for (const child of this.children) if (child.connected) child.disconnect();
  }
}
