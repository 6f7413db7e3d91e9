/**
 * The benchmark's server process: the real Koa app, subscribe router, Authenticator (fixed-token
 * resolver), Hub and memory transport on 127.0.0.1, plus a publisher whose rate the parent
 * controls over IPC. Run by `scenario.ts` with `fork`; not meant to be started by hand.
 *
 * Messages in: {type:'rate', eventsPerSecond} | {type:'burst', size, everyMs} | {type:'idle'} |
 * {type:'stats'} | {type:'gc'} | {type:'stop'}. Messages out: {type:'ready', url, token} and the answers.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { createApp } from '../../src/http/app.ts';
import { Authenticator } from '../../src/http/auth.ts';
import { Listener } from '../../src/http/listeners.ts';
import { RateLimit } from '../../src/http/rate-limit.ts';
import { subscribeRouter } from '../../src/http/routes/subscribe.ts';
import { Hub } from '../../src/hub/hub.ts';
import { NoopHubObserver } from '../../src/hub/observer.ts';
import { createLogger } from '../../src/log.ts';
import { MemoryTransport } from '../../src/transport/memory.ts';
import type { HubEvent, User } from '../../src/types.ts';
import { preciseNow } from './latency.ts';

const TOKEN = 'bench-token-0123456789abcdef';
const USER: User = { id: 'bench', name: 'Bench', isAdmin: true };
const maxClients = Number(process.env.BENCH_MAX_CLIENTS ?? 10_000);

class CountingObserver extends NoopHubObserver {
  deliveries = 0;
  override delivered(_event: HubEvent, count: number): void {
    this.deliveries += count;
  }
}

/** Publishes at a steady rate (drift-compensated) or in bursts. */
class Publisher {
  published = 0;
  #timer: NodeJS.Timeout | undefined;
  #seq = 0;

  constructor(readonly transport: MemoryTransport) {}

  /** `t` is when the event "arrived"; a burst's events all arrive at once. */
  #one(t = preciseNow()): void {
    const n = this.#seq++;
    const entity = `sensor.bench_${n % 100}`;
    this.transport.publishSync({
      type: 'state_changed',
      // `t` is the publish time with sub-millisecond resolution; clients measure latency from it.
      data: { entity_id: entity, state: String(n), attributes: { unit_of_measurement: '°C', friendly_name: `Bench ${n % 100}` }, t },
      timestamp: new Date(t).toISOString(),
      entityIds: [entity],
      domains: ['sensor'],
      firedAt: t,
      receivedAt: t,
    });
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
  const observer = new CountingObserver();
  const transport = new MemoryTransport({ capacity: 1000 });
  const hub = new Hub({
    transport,
    interest: { retain: () => () => {} },
    states: { getStates: () => [] },
    upstream: { state: 'connected', onChange: () => () => {} },
    observer,
    limits: { maxClients },
  });
  const auth = new Authenticator({
    resolver: {
      resolve: async (token) => {
        if (token !== TOKEN) throw new Error('bad token');
        return USER;
      },
    },
    trustIngress: false,
  });
  const limits = {
    requests: new RateLimit({ points: 1_000_000, windowSeconds: 60 }),
    streams: new RateLimit({ points: 1_000_000, windowSeconds: 60 }),
  };
  const logger = createLogger({ level: 'error' });
  const app = createApp({ logger, routers: [subscribeRouter({ hub, auth, limits })], corsOrigins: [] });
  const listener = new Listener(app, { name: 'lan', host: '127.0.0.1', port: 0 });
  const publisher = new Publisher(transport);
  await transport.start();
  await hub.start();
  await listener.start();

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
        send({ type: 'stats', head: transport.head(), published: publisher.published, deliveries: observer.deliveries, connections: hub.list().length });
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
        void hub
          .stop()
          .then(() => listener.stop(200))
          .then(() => transport.stop())
          .finally(() => process.exit(0));
        break;
    }
  });
  // The parent going away must not leave this process behind.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url: `http://127.0.0.1:${listener.port}`, token: TOKEN });
}

void main();
