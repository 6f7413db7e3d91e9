/**
 * Publishes numbered events to a {@link Target} with HTTP POSTs over keep-alive connections, from
 * the bench process (pinned to the client CPU): at a steady rate (drift-compensated) or all at once.
 * Each event carries its number `n` and its publish time `t` (ms, sub-ms resolution).
 */
import http from 'node:http';
import { preciseNow } from '../hub/latency.ts';
import type { Target } from './targets.ts';

export class Publisher {
  /** The next event number. */
  next = 1;
  failed = 0;
  /** Publish round trips (request to response) since the last {@link resetTimings}, in ms. */
  rttSum = 0;
  rttCount = 0;
  rttMax = 0;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  #timer: NodeJS.Timeout | undefined;
  #inFlight = new Set<Promise<void>>();

  constructor(readonly target: Target) {}

  /** Publishes one event to `channel` (`all`, or a stream's own channel). */
  one(channel: string, t = preciseNow()): Promise<void> {
    const n = this.next++;
    const req = this.target.publishRequest(channel, n, t);
    const sent = preciseNow();
    const done = new Promise<void>((resolve) => {
      const out = http.request(`${req.origin}${req.path}`, { method: 'POST', agent: this.#agent, headers: req.headers }, (res) => {
        if (res.statusCode! >= 300) this.failed++;
        res.resume();
        res.on('end', () => {
          const rtt = preciseNow() - sent;
          this.rttSum += rtt;
          this.rttCount++;
          this.rttMax = Math.max(this.rttMax, rtt);
          resolve();
        });
      });
      out.on('error', () => {
        this.failed++;
        resolve();
      });
      out.end(req.body);
    });
    this.#inFlight.add(done);
    void done.then(() => this.#inFlight.delete(done));
    return done;
  }

  /** Publishes `rate` events/s until {@link stop}; `channelOf(n)` picks each event's channel. */
  steady(rate: number, channelOf: (n: number) => string): void {
    clearTimeout(this.#timer);
    const start = performance.now();
    let sent = 0;
    const tick = Math.max(1, Math.min(10, 1000 / rate));
    const loop = () => {
      const due = Math.floor(((performance.now() - start) * rate) / 1000);
      for (; sent < due; sent++) void this.one(channelOf(this.next));
      this.#timer = setTimeout(loop, tick);
    };
    this.#timer = setTimeout(loop, tick);
  }

  /** Publishes `count` events at once (the agent keeps 32 requests in flight); resolves when all are answered. */
  async burst(count: number, channelOf: (n: number) => string): Promise<void> {
    const t = preciseNow();
    const all: Promise<void>[] = [];
    for (let i = 0; i < count; i++) all.push(this.one(channelOf(this.next), t));
    await Promise.all(all);
  }

  /** Stops a steady run and waits for the requests in flight. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.all([...this.#inFlight]);
  }

  resetTimings(): void {
    this.rttSum = this.rttCount = this.rttMax = 0;
  }

  close(): void {
    this.#agent.destroy();
  }
}
