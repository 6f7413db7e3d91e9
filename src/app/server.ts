/**
 * The composition root (docs/ARCHITECTURE.md §5.9): builds every long-lived part from the frozen config with
 * explicit dependencies, starts them in order and stops them in the order that lets each say
 * goodbye. `main.ts` adds the process concerns (signals, exit codes); tests start a whole server
 * in-process with port 0.
 *
 *   core ──ws── HaConnection ── HaBridge ──publish──▶ Transport ──▶ Hub ──▶ SSE sockets
 *                                   ▲  interest / states / upstream    │ observer
 *                                   └──────────────────────────────────┘  MetricsCollector ──▶ store, alerts, API
 */
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type Koa from 'koa';
import type { Config } from '../config/config.ts';
import type { Logger } from '../base/log.ts';
import { HaBridge } from '../ha/bridge.ts';
import { RegistrySync } from '../ha/registry/registry-sync.ts';
import { HaUpstream, type HaUpstreamOptions } from '../ha/upstream.ts';
import { supervisorPeerAddress } from '../ha/supervisor.ts';
// Types only: the simulator is imported by DemoCore when demo mode starts (lazy: not loaded outside demo mode).
import type { HaSimulator, HaSimulatorOptions } from '../simulator/index.ts';
import { DemoCore } from './demo-core.ts';
import { createApp } from '../http/app.ts';
import { Authenticator } from '../http/auth.ts';
import { Listener } from '../http/listeners.ts';
import { TrustedProxies } from '../http/client-address.ts';
import { loadDemoTokens } from './demo-tokens.ts';
import { StreamLogObserver } from './stream-log.ts';
import { type RateLimit, rateLimit, rateLimitsFromOptions } from '../http/rate-limit.ts';
import { loadClientScript } from '../web/client-bundle.ts';
import { alertsRouter } from '../http/routes/alerts.ts';
import { clientScriptRouter } from '../http/routes/client-script.ts';
import { loadPanel } from '../web/panel-bundle.ts';
import { panelRouter } from '../http/routes/panel.ts';
import { connectionsRouter } from '../http/routes/connections.ts';
import { healthRouter } from '../http/routes/health.ts';
import { registriesRouter } from '../http/routes/registries.ts';
import { prometheusRouter } from '../http/routes/prometheus.ts';
import { statsRouter } from '../http/routes/stats.ts';
import { subscribeRouter } from '../http/routes/subscribe.ts';
import { StreamEncoder } from '../http/stream-encoder.ts';
import { openapiRouter } from '../http/routes/openapi.ts';
import { WsApi } from '../http/ws-api.ts';
import { Hub } from '../hub/hub.ts';
import { hubLimitsFromOptions } from '../hub/limits.ts';
import { FileBudget } from '../hub/file-budget.ts';
import { MetricsCollector } from '../metrics/collector.ts';
import { MetricsModule } from './monitoring.ts';
import type { ClusterTimings } from '../cluster/cluster.ts';
import type { Transport } from '../transport/transport.ts';
import { systemTimers } from '../base/timers.ts';
import type { Step, Topology } from './topology.ts';
import { createTopology } from './create-topology.ts';

/** A part with a lifecycle: the constructor does no work; `start()` and `stop()` do. */
export interface Lifecycle {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServerOverrides {
  /** Home Assistant connection timings and token cache (tests shorten them). */
  ha?: Omit<HaUpstreamOptions, 'upstream' | 'logger' | 'localCore'>;
  /** Demo mode: simulator host/port/seed (default 127.0.0.1, ephemeral port). */
  simulator?: Pick<HaSimulatorOptions, 'host' | 'port' | 'seed'>;
  /** Milliseconds streams get to flush `server_shutdown` before their sockets are destroyed. Default 1000. */
  shutdownGraceMs?: number;
  /** Milliseconds between live stats pushes on the WebSocket API. Default 5000. */
  statsPushIntervalMs?: number;
  /** Redis mode timings: lock TTL, heartbeat and expiry (tests shorten them). */
  cluster?: ClusterTimings;
}

/**
 * The management routers behind the per-client request budget (`/subscribe_events` applies the
 * same budget itself, inside its EventSource-friendly refusals; `/healthz` is never limited).
 */
function rateLimited(requests: RateLimit, observer: MetricsCollector, routers: Router[]): Router {
  const api = new Router();
  api.use(rateLimit(requests, { observer }));
  for (const router of routers) api.use(router.routes());
  return api;
}

export class SseHubServer implements Lifecycle {
  readonly lan: Listener;
  /** The Koa app both listeners serve (test/e2e/route-inventory.test.ts walks its routers). */
  readonly app: Koa;
  readonly ingress: Listener;
  readonly upstream: HaUpstream;
  /** Demo mode's local core: loads the simulator on start (see demo-core.ts). */
  readonly #demoCore: DemoCore | undefined;
  readonly bridge: HaBridge;
  /** Core's registries, for the area/floor/label/device/integration selectors. */
  readonly registries: RegistrySync;
  readonly transport: Transport;
  readonly hub: Hub;
  /** Streams the open-file limit leaves room for (read after the listeners opened). */
  readonly fileBudget: FileBudget;
  readonly metrics: MetricsModule;
  readonly wsApi: WsApi;
  /** One process or Redis mode (`redis_url`), picked once (src/app/create-topology.ts). */
  readonly topology: Topology;
  /** Identifies this process in `/api/admin/sse-monitor` (and among instances in Redis mode). */
  readonly instanceId = `sse-hub-${randomBytes(4).toString('hex')}`;
  /** Started in this order; stopped by {@link stop} in the order of `#stopOrder`. */
  readonly #steps: Step[];
  readonly #stopOrder: string[];
  readonly #started = new Set<string>();

  constructor(
    readonly config: Config,
    readonly logger: Logger,
    overrides: ServerOverrides = {},
  ) {
    const { options } = config;
    const grace = overrides.shutdownGraceMs ?? 1000;
    // One set of timers for the parts wired here (tests of a part inject a fake clock instead).
    const timers = systemTimers();

    // Demo mode: the composition root, not ha/, picks the simulator as the core to talk to.
    const { upstream } = config;
    this.#demoCore =
      upstream.kind === 'demo'
        ? new DemoCore({ tokens: loadDemoTokens(config.dataDir), ...overrides.simulator, eventRate: upstream.eventRate, logger, timers })
        : undefined;
    this.upstream = new HaUpstream({ ...overrides.ha, upstream, logger, localCore: this.#demoCore });
    // Without redis_url Redis is never contacted: the memory transport and the local bridge serve.
    const topology = (this.topology = createTopology({ options, instanceId: this.instanceId, upstream: this.upstream, logger, cluster: overrides.cluster, timers }));
    const transport = (this.transport = topology.transport);
    const collector = new MetricsCollector();
    const fileBudget = (this.fileBudget = new FileBudget({ maxClients: options.max_clients, logger }));
    this.bridge = new HaBridge({
      connection: this.upstream.connection,
      logger,
      cacheCoreStates: topology.bridgeCachesCoreStates,
      publish: (event) => topology.publish(event),
      onCoreEvent: () => collector.coreEventReceived(),
    });
    topology.useBridge(this.bridge);
    this.registries = new RegistrySync({ connection: this.upstream.connection, logger });
    this.hub = new Hub({
      transport,
      targets: this.registries,
      interest: topology.interest,
      states: this.bridge,
      upstream: topology.status,
      observer: topology.observe(new StreamLogObserver(collector, logger)),
      limits: hubLimitsFromOptions(options),
      fileBudget,
      onError: (err, context) => logger.error({ err, context }, 'hub failure'),
    });
    topology.useHub(this.hub);
    this.metrics = new MetricsModule({
      options,
      dataDir: config.dataDir,
      collector,
      registry: this.hub,
      upstream: topology.status,
      ha: this.upstream.rest,
      states: topology.sensorStates(this.upstream.rest),
      monitor: topology.monitor,
      replay: transport,
      logger,
      timers,
    });

    // Ingress is trusted only in add-on mode, where the Supervisor is the only peer that can reach it.
    const auth = new Authenticator({
      resolver: this.upstream.users,
      trustIngress: config.mode === 'addon',
      ingressAddress: config.upstream.kind === 'addon' ? supervisorPeerAddress(config.upstream.supervisorUrl) : undefined,
    });
    const { stats, alerts, prometheus } = this.metrics;
    const limits = rateLimitsFromOptions(options, topology.limiterStore);
    const app = (this.app = createApp({
      logger,
      corsOrigins: options.cors_origins,
      routers: [
        healthRouter({ upstream: () => topology.status.state, fileLimit: () => fileBudget.shortfall() }),
        clientScriptRouter({ load: () => loadClientScript(), onError: (err) => logger.error({ err }, 'the client library is not available') }),
        panelRouter({ load: () => loadPanel(), onError: (err) => logger.error({ err }, 'the panel is not available') }),
        subscribeRouter({ hub: this.hub, auth, limits, observer: collector, encoder: new StreamEncoder(), slots: topology.slots }),
        openapiRouter(),
        rateLimited(limits.requests, collector, [
          statsRouter({ auth, stats }),
          connectionsRouter({ auth, stats, remote: topology.closeRemote }),
          registriesRouter({ auth, lists: () => this.registries.lists }),
          alertsRouter({ auth, alerts }),
          prometheusRouter({ auth, exporter: prometheus }),
        ]),
      ],
    }));
    // TLS (`ssl`) is the LAN port's only: the Supervisor proxies ingress over its own network, in HTTP.
    const trustedProxies = new TrustedProxies(options.trusted_proxies);
    this.lan = new Listener(app, { name: 'lan', host: config.bindHost, port: config.port, tls: config.tls, trustedProxies, timers });
    this.ingress = new Listener(app, { name: 'ingress', host: config.ingressBindHost, port: config.ingressPort, trustedProxies, timers });
    this.wsApi = new WsApi({
      auth,
      stats,
      logger,
      pushIntervalMs: overrides.statsPushIntervalMs,
      requests: limits.requests,
      timers,
      trustedProxies,
      servers: [
        { server: this.lan.server, listener: 'lan' },
        { server: this.ingress.server, listener: 'ingress' },
      ],
    });

    const parts = topology.steps();
    this.#steps = [
      // A certificate that cannot be used stops the start before anything else has started.
      { name: 'certificate', start: () => this.lan.loadCertificate(), stop: () => undefined },
      { name: 'metrics', start: () => this.metrics.start(), stop: () => this.metrics.stop() },
      parts.transport,
      // The bridge registers its connection listeners before the connection first connects.
      { name: 'bridge', start: () => this.bridge.start(), stop: () => this.bridge.stop() },
      { name: 'registries', start: () => this.registries.start(), stop: () => this.registries.stop() },
      parts.upstream,
      { name: 'hub', start: () => this.hub.start(), stop: () => this.hub.stop(grace) },
      ...(parts.cluster ? [parts.cluster] : []),
      { name: 'lan', start: () => this.lan.start(), stop: () => this.lan.stop(grace) },
      { name: 'ingress', start: () => this.ingress.start(), stop: () => this.ingress.stop(grace) },
      // Counted once everything long-lived is open (listeners, SQLite, the link to core); the hub refuses nothing before.
      { name: 'file-budget', start: () => fileBudget.start(), stop: () => undefined },
      { name: 'ws-api', start: () => this.wsApi.start(), stop: () => this.wsApi.stop() },
      { name: 'sensors', start: () => this.metrics.startSensors(), stop: () => this.metrics.stopSensors() },
    ];
    // Streams hear `server_shutdown` (hub) before the listeners close; metrics flush the partial minute last.
    this.#stopOrder = ['sensors', 'ws-api', 'file-budget', 'hub', 'lan', 'ingress', 'cluster', 'registries', 'bridge', 'upstream', 'transport', 'metrics'];
  }

  /** The embedded Home Assistant simulator in demo mode, once {@link start} has loaded it. */
  get simulator(): HaSimulator | undefined {
    return this.#demoCore?.simulator;
  }

  async start(): Promise<void> {
    try {
      for (const step of this.#steps) {
        await step.start();
        this.#started.add(step.name);
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.logger.info(
      { mode: this.config.mode, lanPort: this.lan.port, lanTls: this.lan.secure, ingressPort: this.ingress.port, instanceId: this.instanceId },
      'SSE Hub started',
    );
    if (!this.lan.releasesHttpState) {
      this.logger.warn(`Node ${process.version} lacks the HTTP internal streams are detached with; each stream keeps its request state (docs/decisions.md §6)`);
    }
  }

  async stop(): Promise<void> {
    for (const name of this.#stopOrder) {
      if (!this.#started.delete(name)) continue;
      const step = this.#steps.find((s) => s.name === name)!;
      try {
        await step.stop();
      } catch (err) {
        this.logger.error({ err, part: name }, 'error while stopping');
      }
    }
  }
}
