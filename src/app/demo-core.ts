/**
 * {@link DemoCore}: the simulator as demo mode's {@link LocalCore}, loaded on `start()`.
 *
 * The simulator and its demo home are a module graph of their own (≈1.3 MiB of V8 heap once
 * loaded, `npm run bench -- memory --deps`). A server outside demo mode never needs it, so the
 * composition root must not import it statically: this wrapper knows the demo tokens up front
 * (they are the admin token the connection to core authenticates with) and imports the simulator
 * only when demo mode actually starts it. test/lazy-modules.test.ts holds both halves.
 */
import type { HaSimulator, HaSimulatorOptions } from '../simulator/index.ts';
import type { LocalCore } from '../ha/upstream.ts';
import type { DemoTokens } from './demo-tokens.ts';

export type DemoCoreOptions = Omit<HaSimulatorOptions, 'tokens'> & { tokens: DemoTokens };

export class DemoCore implements LocalCore {
  readonly adminToken: string;
  readonly #options: DemoCoreOptions;
  #simulator: HaSimulator | undefined;

  constructor(options: DemoCoreOptions) {
    this.#options = options;
    // The simulator registers the admin user with exactly this token (simulator/server.ts).
    this.adminToken = options.tokens.admin;
  }

  /** The running simulator; undefined until {@link start} has loaded it. */
  get simulator(): HaSimulator | undefined {
    return this.#simulator;
  }

  get url(): string {
    return this.#started().url;
  }

  get wsUrl(): string {
    return this.#started().wsUrl;
  }

  async start(): Promise<void> {
    if (!this.#simulator) {
      const { HaSimulator } = await import('../simulator/index.ts');
      this.#simulator = new HaSimulator(this.#options);
    }
    await this.#simulator.start();
  }

  async stop(): Promise<void> {
    await this.#simulator?.stop();
  }

  #started(): HaSimulator {
    if (!this.#simulator) throw new Error('the demo core is read before start()');
    return this.#simulator;
  }
}
