/**
 * The composition root (STYLE §9): builds every long-lived part from the frozen config with
 * explicit dependencies, starts them in order and stops them in reverse. `main.ts` adds the
 * process concerns (signals, exit codes); tests start a whole server in-process with port 0.
 */
import type Router from '@koa/router';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { createApp } from './http/app.ts';
import { Listener } from './http/listeners.ts';
import { healthRouter } from './http/routes/health.ts';

/** A part with a lifecycle: the constructor does no work; `start()` and `stop()` do. */
export interface Lifecycle {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export class SseHubServer implements Lifecycle {
  readonly lan: Listener;
  readonly ingress: Listener;
  readonly #parts: Lifecycle[] = [];
  readonly #started: Lifecycle[] = [];

  constructor(
    readonly config: Config,
    readonly logger: Logger,
  ) {
    const routers: Router[] = [healthRouter({ upstream: () => undefined })];
    const app = createApp({ logger, routers, corsOrigins: config.options.cors_origins });
    this.lan = new Listener(app, { name: 'lan', host: config.bindHost, port: config.port });
    this.ingress = new Listener(app, { name: 'ingress', host: config.bindHost, port: config.ingressPort });
    this.#parts.push(this.lan, this.ingress);
  }

  async start(): Promise<void> {
    for (const part of this.#parts) {
      await part.start();
      this.#started.push(part);
    }
    this.logger.info({ mode: this.config.mode, lanPort: this.lan.port, ingressPort: this.ingress.port }, 'SSE Hub started');
  }

  async stop(): Promise<void> {
    while (this.#started.length > 0) {
      const part = this.#started.pop()!;
      try {
        await part.stop();
      } catch (err) {
        this.logger.error({ err }, 'error while stopping');
      }
    }
  }
}
