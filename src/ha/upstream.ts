/**
 * {@link HaUpstream}: the Home Assistant side wired for the configured mode (docs/ARCHITECTURE.md §3).
 *
 * | mode | websocket | REST base | user tokens checked at |
 * |---|---|---|---|
 * | add-on | `ws://supervisor/core/websocket` + SUPERVISOR_TOKEN | `http://supervisor/core` | `http(s)://homeassistant:<port>` from Supervisor `/core/info` |
 * | standalone | `<HA_URL>/api/websocket` + HA_TOKEN | HA_URL | HA_URL |
 * | demo | the {@link LocalCore} the composition root chose (the simulator) | local core | local core |
 *
 * Construction does no work; `start()` starts the local core (demo) and then the connection.
 */
import type { Upstream } from '../config/config.ts';
import type { Logger } from '../base/log.ts';
import { HaConnection, type HaConnectionOptions } from './connection.ts';
import { HaRestClient } from './rest.ts';
import { fetchCoreBaseUrl } from './supervisor.ts';
import { UserDirectory, type UserDirectoryOptions } from './users.ts';

/**
 * A Home Assistant core this process runs itself: in demo mode the composition root passes the
 * simulator, so `ha/` never depends on it. `url` and `wsUrl` are read after `start()`.
 */
export interface LocalCore {
  readonly url: string;
  readonly wsUrl: string;
  /** The token of an admin user of that core; printed at start, since it only opens the simulated home. */
  readonly adminToken: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface HaUpstreamOptions {
  upstream: Readonly<Upstream>;
  logger: Logger;
  /** Connection timings (tests shorten them). */
  connection?: Omit<HaConnectionOptions, 'url' | 'token' | 'logger'>;
  /** Token cache and failure-limit settings. */
  users?: Omit<UserDirectoryOptions, 'coreUrl' | 'logger'>;
  /** Demo mode: the core to run and connect to (required in demo mode, ignored otherwise). */
  localCore?: LocalCore;
}

export class HaUpstream {
  readonly connection: HaConnection;
  readonly rest: HaRestClient;
  readonly users: UserDirectory;
  /** The core run in demo mode. */
  readonly localCore: LocalCore | undefined;
  readonly #logger: Logger;

  constructor({ upstream, logger, connection = {}, users = {}, localCore }: HaUpstreamOptions) {
    this.#logger = logger;
    if (upstream.kind === 'demo') {
      if (!localCore) throw new Error('demo mode needs a local core (the simulator) from the composition root');
      const core = localCore;
      this.localCore = core;
      this.connection = new HaConnection({ ...connection, url: () => core.wsUrl, token: core.adminToken, logger });
      this.rest = new HaRestClient({ baseUrl: () => core.url, token: core.adminToken });
      this.users = new UserDirectory({ ...users, coreUrl: () => core.url, logger });
    } else if (upstream.kind === 'addon') {
      this.localCore = undefined;
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
      this.localCore = undefined;
      this.connection = new HaConnection({ ...connection, url: upstream.url, token: upstream.token, logger });
      this.rest = new HaRestClient({ baseUrl: upstream.restUrl, token: upstream.token });
      this.users = new UserDirectory({ ...users, coreUrl: () => upstream.restUrl, logger });
    }
  }

  async start(): Promise<void> {
    if (this.localCore) {
      await this.localCore.start();
      // The demo tokens are printed on purpose, but only in the human banner on stdout (src/app/banner.ts):
      // log lines are collected and shipped elsewhere, so no token goes into one.
      this.#logger.warn({ simulator: this.localCore.url }, 'DEMO MODE: no Home Assistant configured, streaming a SIMULATED home');
    }
    await this.connection.start();
  }

  async stop(): Promise<void> {
    await this.connection.stop();
    await this.localCore?.stop();
  }
}
