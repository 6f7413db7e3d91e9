/**
 * {@link HaUpstream}: the Home Assistant side wired for the configured mode (docs/ARCHITECTURE.md §3).
 *
 * | mode | websocket | REST base | user tokens checked at |
 * |---|---|---|---|
 * | add-on | `ws://supervisor/core/websocket` + SUPERVISOR_TOKEN | `http://supervisor/core` | `http(s)://homeassistant:<port>` from Supervisor `/core/info` |
 * | standalone | `<HA_URL>/api/websocket` + HA_TOKEN | HA_URL | HA_URL |
 * | demo | the embedded simulator on a loopback port | simulator | simulator |
 *
 * Construction does no work; `start()` starts the simulator (demo) and then the connection.
 */
import type { Upstream } from '../config.ts';
import type { Logger } from '../log.ts';
import { HaConnection, type HaConnectionOptions } from './connection.ts';
import { HaRestClient } from './rest.ts';
import { HaSimulator } from '../simulator/index.ts';
import { fetchCoreBaseUrl } from './supervisor.ts';
import { UserDirectory, type UserDirectoryOptions } from './users.ts';

export interface HaUpstreamOptions {
  upstream: Readonly<Upstream>;
  logger: Logger;
  /** Connection timings (tests shorten them). */
  connection?: Omit<HaConnectionOptions, 'url' | 'token' | 'logger'>;
  /** Token cache and failure-limit settings. */
  users?: Omit<UserDirectoryOptions, 'coreUrl' | 'logger'>;
  /** Demo mode: simulator host/port (default 127.0.0.1, ephemeral port). */
  simulator?: { host?: string; port?: number; seed?: number };
}

export class HaUpstream {
  readonly connection: HaConnection;
  readonly rest: HaRestClient;
  readonly users: UserDirectory;
  /** The embedded simulator in demo mode. */
  readonly simulator: HaSimulator | undefined;
  readonly #logger: Logger;

  constructor({ upstream, logger, connection = {}, users = {}, simulator }: HaUpstreamOptions) {
    this.#logger = logger;
    if (upstream.kind === 'demo') {
      const sim = new HaSimulator({ ...simulator, eventRate: upstream.eventRate, logger });
      this.simulator = sim;
      this.connection = new HaConnection({ ...connection, url: () => sim.wsUrl, token: sim.adminToken, logger });
      this.rest = new HaRestClient({ baseUrl: () => sim.url, token: sim.adminToken });
      this.users = new UserDirectory({ ...users, coreUrl: () => sim.url, logger });
    } else if (upstream.kind === 'addon') {
      this.simulator = undefined;
      this.connection = new HaConnection({ ...connection, url: upstream.url, token: upstream.token, logger });
      this.rest = new HaRestClient({ baseUrl: `${upstream.supervisorUrl.replace(/\/+$/, '')}/core`, token: upstream.token });
      let coreUrl: string | undefined;
      this.users = new UserDirectory({
        ...users,
        // Asked once; a failure is retried on the next check.
        coreUrl: async () => (coreUrl ??= await fetchCoreBaseUrl({ supervisorUrl: upstream.supervisorUrl, token: upstream.token })),
        logger,
      });
    } else {
      this.simulator = undefined;
      this.connection = new HaConnection({ ...connection, url: upstream.url, token: upstream.token, logger });
      this.rest = new HaRestClient({ baseUrl: upstream.restUrl, token: upstream.token });
      this.users = new UserDirectory({ ...users, coreUrl: () => upstream.restUrl, logger });
    }
  }

  async start(): Promise<void> {
    if (this.simulator) {
      await this.simulator.start();
      // The demo token is the one secret that is printed on purpose: it only opens the simulated home.
      this.#logger.warn(
        { simulator: this.simulator.url },
        `DEMO MODE: no Home Assistant configured, streaming a SIMULATED home. Demo admin token: ${this.simulator.adminToken}`,
      );
    }
    await this.connection.start();
  }

  async stop(): Promise<void> {
    await this.connection.stop();
    await this.simulator?.stop();
  }
}
