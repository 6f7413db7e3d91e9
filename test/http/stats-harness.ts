/**
 * A real server for the statistics tests: the Koa app with the stats, connections, alerts and
 * Prometheus routers and the WebSocket API, on 127.0.0.1 port 0, over a metrics rig on a fake
 * clock (real SQLite in a temp dir), a fake ConnectionRegistry and fixed admin/non-admin tokens.
 */
import { optionsSchema } from '../../src/config/config.ts';
import { InvalidTokenError } from '../../src/base/errors.ts';
import { createApp } from '../../src/http/app.ts';
import { Authenticator, type UserResolver } from '../../src/http/auth.ts';
import { Listener } from '../../src/http/listeners.ts';
import { RateLimit } from '../../src/http/rate-limit.ts';
import { alertsRouter } from '../../src/http/routes/alerts.ts';
import { connectionsRouter } from '../../src/http/routes/connections.ts';
import { prometheusRouter } from '../../src/http/routes/prometheus.ts';
import { statsRouter } from '../../src/http/routes/stats.ts';
import { WsApi } from '../../src/http/ws-api.ts';
import { AlertNotifier } from '../../src/alerts/notifier.ts';
import { thresholdsFromOptions, type AlertInputs } from '../../src/alerts/rules.ts';
import { AlertEngine } from '../../src/alerts/engine.ts';
import { attachAlertRecords } from '../../src/alerts/records.ts';
import { PrometheusExporter } from '../../src/stats/prometheus.ts';
import type { User } from '../../src/base/types.ts';
import { FakeClock } from '../metrics/helpers.ts';
import { createRig, tempDir } from '../metrics/rig.ts';

export const ADMIN_TOKEN = 'stats-admin-token-0123456789';
export const USER_TOKEN = 'stats-user-token-0123456789';
const ADMIN: User = { id: 'admin-id', name: 'Admin', isAdmin: true };
const NON_ADMIN: User = { id: 'user-id', name: 'User', isAdmin: false };

class FixedTokenResolver implements UserResolver {
  async resolve(token: string): Promise<User> {
    if (token === ADMIN_TOKEN) return ADMIN;
    if (token === USER_TOKEN) return NON_ADMIN;
    throw new InvalidTokenError();
  }
}

export const T0 = Date.UTC(2024, 1, 5, 12, 0, 0);

export interface StatsServerOptions {
  /** Serve as the ingress listener of add-on mode, trusting the Supervisor at 127.0.0.1. */
  ingress?: boolean;
  /** The WebSocket API's request budget per client per minute; absent = unlimited. */
  requestsPerMinute?: number;
  /** Milliseconds a client without credentials has for its `auth` message (on the fake clock). Default 10 000. */
  authTimeoutMs?: number;
}

export async function startStatsServer(options: StatsServerOptions = {}) {
  const temp = tempDir();
  const clock = new FakeClock(T0);
  const rig = createRig({ dir: temp.dir, clock });
  rig.start();
  const inputs: { current: AlertInputs } = {
    current: {
      connections: 0, eventsInPerSecond: 0, upstreamConnected: true, upstreamDownSeconds: 0, memoryBytes: 0,
      cpuPercent: 0, latencyP95Ms: 0, latencyP99Ms: 0, latencySamples: 0, deliveries: 0, failures: 0, backlogBytes: 0,
    },
  };
  const alertRecords = attachAlertRecords(rig.store);
  const alerts = new AlertEngine({
    defaults: thresholdsFromOptions(optionsSchema.parse({})),
    inputs: { read: () => inputs.current },
    store: alertRecords,
    notifier: new AlertNotifier({ logger: rig.logger, admins: rig.registry }),
    logger: rig.logger,
    now: clock.now,
    timers: clock,
  });
  alerts.start();
  const exporter = new PrometheusExporter({ collector: rig.collector, system: rig.system, registry: rig.registry, alerts, store: rig.store, now: clock.now });
  const auth = new Authenticator({ resolver: new FixedTokenResolver(), trustIngress: options.ingress ?? false, ingressAddress: '127.0.0.1' });
  const listener = options.ingress ? 'ingress' : 'lan';
  const app = createApp({
    logger: rig.logger,
    routers: [
      statsRouter({ auth, stats: rig.stats }),
      connectionsRouter({ auth, stats: rig.stats }),
      alertsRouter({ auth, alerts }),
      prometheusRouter({ auth, exporter }),
    ],
    corsOrigins: [],
  });
  const lan = new Listener(app, { name: listener, host: '127.0.0.1', port: 0 });
  await lan.start();
  const requests = options.requestsPerMinute === undefined ? undefined : new RateLimit({ points: options.requestsPerMinute, windowSeconds: 60 });
  // Stats pushes and the auth-phase deadline run on the fake clock: tests move it instead of waiting.
  const ws = new WsApi({
    auth,
    stats: rig.stats,
    logger: rig.logger,
    servers: [{ server: lan.server, listener }],
    pushIntervalMs: 40,
    requests,
    timers: clock,
    authTimeoutMs: options.authTimeoutMs,
  });
  ws.start();
  const base = `http://127.0.0.1:${lan.port}`;

  /** A JSON request; `token` undefined sends no credentials. */
  async function call(method: string, path: string, token?: string, body?: unknown) {
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json, data: json?.data as Record<string, unknown> };
  }

  return {
    base,
    port: lan.port,
    clock,
    rig,
    alerts,
    alertRecords,
    inputs,
    ws,
    call,
    async stop() {
      await ws.stop();
      await lan.stop();
      await alerts.stop();
      rig.stop();
      temp.cleanup();
    },
  };
}

export type StatsServer = Awaited<ReturnType<typeof startStatsServer>>;
