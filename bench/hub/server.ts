/**
 * The benchmark's server process: the product itself, as `main.ts` builds it (`SseHubServer` from
 * `loadConfig()`), in demo mode on 127.0.0.1. Events are published through the embedded Home
 * Assistant simulator, so each one travels core → websocket → HaConnection → bridge → transport →
 * hub like a real one, at the rate the parent controls over IPC. Run by `scenario.ts` with `fork`
 * and the environment it chooses; not meant to be started by hand.
 *
 * Messages in: {type:'rate', eventsPerSecond} | {type:'burst', size, everyMs} | {type:'idle'} |
 * {type:'stats'} | {type:'gc'} | {type:'stop'}. Messages out: {type:'ready', url, token} and the answers.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { loadConfig } from '../../src/config/config.ts';
import type { HaSimulator } from '../../src/simulator/index.ts';
import { createLogger } from '../../src/base/log.ts';
import { SseHubServer } from '../../src/app/server.ts';
import { preciseNow } from './latency.ts';

/** Sensors the bench writes to, round robin; the simulator creates them on first write. */
const ENTITIES = 100;

/** Publishes state changes through the simulator at a steady rate (drift-compensated) or in bursts. */
class Publisher {
  published = 0;
  #timer: NodeJS.Timeout | undefined;
  #seq = 0;

  constructor(readonly sim: HaSimulator) {}

  /** `t` is when the event "happened"; a burst's events all happen at once. */
  #one(t = preciseNow()): void {
    const n = this.#seq++;
    // `t`: the publish time with sub-millisecond resolution; clients measure latency from it.
    this.sim.setState(`sensor.bench_${n % ENTITIES}`, String(n), { t, unit_of_measurement: '°C', friendly_name: `Bench ${n % ENTITIES}` });
    this.published++;
  }

  rate(eventsPerSecond: number): void {
    this.stop();
    const start = performance.now();
    let sent = 0;
    const tick = Math.max(1, Math.min(20, 1000 / eventsPerSecond));
    const loop = () => {
      const due = Math.floor(((performance.now() - start) * eventsPerSecond) / 1000);
      while (sent < due) {
        this.#one();
        sent++;
      }
      this.#timer = setTimeout(loop, tick);
    };
    this.#timer = setTimeout(loop, tick);
  }

  burst(size: number, everyMs: number): void {
    this.stop();
    const loop = () => {
      const t = preciseNow();
      for (let i = 0; i < size; i++) this.#one(t);
      this.#timer = setTimeout(loop, everyMs);
    };
    this.#timer = setTimeout(loop, everyMs);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.mode !== 'demo') throw new Error(`the bench runs the product in demo mode, not ${config.mode}`);
  const server = new SseHubServer(config, createLogger({ level: config.options.log_level }));
  await server.start();
  const sim = server.simulator!;
  const publisher = new Publisher(sim);
  const { totals } = server.metrics.collector;

  const send = (message: object) => process.send?.(message);
  process.on('message', (message: { type: string; [key: string]: number | string }) => {
    switch (message.type) {
      case 'rate':
        publisher.rate(Number(message.eventsPerSecond));
        break;
      case 'burst':
        publisher.burst(Number(message.size), Number(message.everyMs));
        break;
      case 'idle':
        publisher.stop();
        break;
      case 'stats':
        send({
          type: 'stats',
          // Memory transport ids are consecutive integers: the parent counts the ids of its window.
          head: server.transport.head(),
          published: publisher.published,
          deliveries: totals.deliveries,
          bytesOut: totals.bytesOut,
          connections: server.hub.list().length,
        });
        break;
      case 'gc':
        (globalThis as { gc?: () => void }).gc?.();
        send({
          type: 'gc',
          memory: process.memoryUsage(),
          // The young generation grows with the allocation rate (up to 2 × --max-semi-space-size), not with connections.
          newSpace: getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0,
        });
        break;
      case 'stop':
        publisher.stop();
        void server.stop().finally(() => process.exit(0));
        break;
    }
  });
  // The parent going away must not leave this process behind.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url: `${server.lan.secure ? 'https' : 'http'}://127.0.0.1:${server.lan.port}`, token: sim.adminToken });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
