/**
 * Configuration: one zod schema is the single source of truth for every option.
 *
 * Sources, in order: the Supervisor's options file (`/data/options.json`, overridable with
 * `OPTIONS_PATH`), environment variables for standalone use, then the defaults below.
 * `config.yaml` (`options`/`schema`) and `translations/en.yaml` must agree with {@link optionsSchema};
 * `test/packaging/options.test.ts` checks that they do.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

import { parseAddressRange } from '../base/address-range.ts';
import { LOG_LEVELS, type LogLevel } from '../base/log.ts';

export { LOG_LEVELS, type LogLevel };

/** Common spellings of the levels (pino's `warn`, `err`, ...), accepted and mapped to {@link LOG_LEVELS}. */
export const LOG_LEVEL_ALIASES: Readonly<Record<string, LogLevel>> = {
  warn: 'warning',
  err: 'error',
  crit: 'fatal',
  critical: 'fatal',
  dbg: 'debug',
  information: 'info',
};

/** Maps a log level alias (any case) to its add-on spelling; other values pass through for the schema to judge. */
export function normalizeLogLevel(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const lower = value.trim().toLowerCase();
  return LOG_LEVEL_ALIASES[lower] ?? lower;
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const float = (min: number, max: number) => z.coerce.number().min(min).max(max);

/** Accepts a JSON list (options file) or a comma-separated string (environment). */
const stringList = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : value,
  z.array(z.string().min(1)),
);

/** A boolean from the options file, or `true`/`false`/`1`/`0` (any case) from the environment. */
const flag = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  return word === 'true' || word === '1' ? true : word === 'false' || word === '0' ? false : value;
}, z.boolean());

/** IP addresses and CIDR ranges (`10.0.0.5`, `192.168.1.0/24`, `fd00::/8`), as a list or comma-separated. */
const addressList = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value),
  z.array(z.string().min(1).refine((entry) => parseAddressRange(entry) !== undefined, { error: (issue) => `${JSON.stringify(issue.input)} is not an IP address or CIDR range` })),
);

/**
 * Every user-facing option. Keys are the `config.yaml` option names (snake_case) so the three
 * descriptions of an option (this schema, config.yaml, translations) can be compared key by key.
 */
export const optionsSchema = z.object({
  /** Log verbosity. Default `info`. */
  log_level: z.enum(LOG_LEVELS).default('info'),
  /** Concurrent SSE clients across both listeners. Default 100. */
  max_clients: int(1, 10000).default(100),
  /** HTTP requests per minute per client (user or IP). Default 1000. */
  rate_limit_per_minute: int(1, 100000).default(1000),
  /** New streams one LAN user/IP may open per window; 0 = no limit. Default 5. */
  stream_limit: int(0, 1000).default(5),
  /** The window of `stream_limit`, in seconds. Default 60. */
  stream_limit_window: int(1, 3600).default(60),
  /** Seconds between `ping` events on every stream. Default 30. */
  ping_interval: int(5, 300).default(30),
  /** Seconds a stream whose socket does not drain may stay open. Default 300. */
  inactivity_timeout: int(30, 3600).default(300),
  /** Seconds an event type stays recorded for replay after its last stream closed (0 = release at once). Default 300. */
  replay_linger: int(0, 3600).default(300),
  /** Seconds between writes of the hub's own sensors (`sensor.sse_hub_*`) into Home Assistant; 0 = off. Default 30. */
  ha_sensor_interval: int(0, 3600).default(30),
  /** Maximum age of one stream in minutes before it is asked to reconnect; 0 = unlimited. Default 0. */
  max_connection_age: int(0, 1440).default(0),
  /**
   * The newest this many events stay in the replay history however old (within `replay_buffer_mb`).
   * Before 0.2.0 it was the whole history; 0 now means no minimum, not "no replay". Default 1000.
   */
  replay_buffer_size: int(0, 100000).default(1000),
  /** Minutes of events the replay history keeps at least (within `replay_buffer_mb`); 0 = by count only. Default 10. */
  replay_window_minutes: int(0, 1440).default(10),
  /** MiB the replay history may hold (events' encoded size); the oldest go first; 0 = no replay. Default 16. */
  replay_buffer_mb: int(0, 1024).default(16),
  /** Unwritten bytes (KiB) one subscriber may hold before it is closed as a slow consumer. Default 512. */
  slow_consumer_limit_kb: int(16, 65536).default(512),
  /** Days of metric history kept in SQLite. Default 30. */
  metrics_retention_days: int(1, 365).default(30),
  /** Alert when active connections reach this many; 0 = off. Default 90. */
  alert_connections: int(0, 10000).default(90),
  /** Alert when events in per second exceed this; 0 = off. Default 500. */
  alert_event_rate_max: float(0, 100000).default(500),
  /** Alert when events in per second fall below this while upstream is connected; 0 = off. Default 0. */
  alert_event_rate_min: float(0, 100000).default(0),
  /** Alert when resident memory exceeds this many MiB; 0 = off. Default 512. */
  alert_memory_mb: int(0, 65536).default(512),
  /** Alert when process CPU exceeds this percentage of one core; 0 = off. Default 80. */
  alert_cpu_percent: int(0, 1000).default(80),
  /** Alert when p95 delivery latency exceeds this many ms; 0 = off. Default 500. */
  alert_latency_p95_ms: int(0, 600000).default(500),
  /** Alert when p99 delivery latency exceeds this many ms; 0 = off. Default 1000. */
  alert_latency_p99_ms: int(0, 600000).default(1000),
  /** Alert when failed or dropped deliveries exceed this percentage; 0 = off. Default 5. */
  alert_error_rate_percent: float(0, 100).default(5),
  /** Alert when bytes waiting in socket buffers exceed this many KiB; 0 = off. Default 4096. */
  alert_backlog_kb: int(0, 1048576).default(4096),
  /** Alert when Home Assistant has been unreachable this many seconds; 0 = off. Default 60. */
  alert_upstream_down_seconds: int(0, 86400).default(60),
  /** A condition must hold this many seconds before an alert fires. Default 60. */
  alert_sustain_seconds: int(0, 3600).default(60),
  /** Minimum minutes between two firings of the same alert. Default 15. */
  alert_cooldown_minutes: int(0, 1440).default(15),
  /** Optional notify service for alerts, e.g. `notify.mobile_app_phone`. */
  notify_service: z
    .string()
    .regex(/^notify\.[a-z0-9_]+$/, 'must look like notify.<service>')
    .optional(),
  /** Optional Redis URL; enables multi-instance mode. */
  redis_url: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
    .optional(),
  /** Origins allowed to read the LAN API from a browser (CORS); empty = none. */
  cors_origins: stringList.default([]),
  // The network port's TLS and the proxies in front of it (DOCS.md "HTTPS and HTTP/2", docs/proxies.md).
  /** Serve the LAN port over HTTPS (HTTP/2, and HTTP/1.1 for clients without it); the ingress port stays HTTP. Default false. */
  ssl: flag.default(false),
  /** The certificate chain (PEM) for `ssl`: a name in `/ssl` (`SSL_DIR`) or an absolute path. Default `fullchain.pem`. */
  certfile: z.string().min(1).default('fullchain.pem'),
  /** The private key (PEM) for `ssl`: a name in `/ssl` (`SSL_DIR`) or an absolute path. Default `privkey.pem`. */
  keyfile: z.string().min(1).default('privkey.pem'),
  /**
   * Addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` / `Forwarded` headers are
   * believed; the client address then comes from those headers. Default empty: headers ignored.
   */
  trusted_proxies: addressList.default([]),
});

export type Options = z.infer<typeof optionsSchema>;

export type Mode = 'addon' | 'standalone' | 'demo';

/** Where the upstream Home Assistant websocket is and how to authenticate to it. */
export type Upstream =
  | { kind: 'addon'; url: string; token: string; supervisorUrl: string }
  | { kind: 'standalone'; url: string; token: string; restUrl: string }
  | { kind: 'demo'; eventRate: number };

export interface Config {
  readonly mode: Mode;
  readonly options: Readonly<Options>;
  readonly upstream: Readonly<Upstream>;
  /** LAN listener port (`PORT`, default 3000). */
  readonly port: number;
  /** Ingress listener port (`INGRESS_PORT`, default 8099). */
  readonly ingressPort: number;
  /** Address the LAN listener binds to (`BIND_HOST`, default `0.0.0.0`); the ingress one too in add-on mode. */
  readonly bindHost: string;
  /**
   * Address the ingress listener binds to. Add-on mode: `bindHost` (the Supervisor must reach it).
   * Otherwise it is a second full API port, so loopback unless `INGRESS_BIND_HOST` asks for more.
   */
  readonly ingressBindHost: string;
  /** Where the SQLite file lives: `/data` in add-on mode, else `DATA_DIR` (default `./data`). */
  readonly dataDir: string;
  /** The LAN port's certificate and key files when `ssl` is on (resolved against `SSL_DIR`); undefined otherwise. */
  readonly tls: TlsFiles | undefined;
  /** Non-fatal findings (unknown option keys), logged at start like the Supervisor does. */
  readonly warnings: readonly string[];
}

/** Where the LAN port's certificate chain and private key are (full paths). */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Thrown for invalid configuration; `main.ts` prints `issues` and exits with code 2. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Environment variables for standalone and demo use (every option is also read from its upper-case name). */
export const envSchema = z.object({
  SUPERVISOR_TOKEN: z.string().min(1).optional(),
  HA_URL: z
    .string()
    .regex(/^(https?|wss?):\/\/[^\s/]+/, 'must be an http(s):// or ws(s):// URL')
    .optional(),
  HA_TOKEN: z.string().min(1).optional(),
  PORT: int(0, 65535).default(3000),
  INGRESS_PORT: int(0, 65535).default(8099),
  BIND_HOST: z.string().min(1).default('0.0.0.0'),
  INGRESS_BIND_HOST: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).optional(),
  DEMO_EVENT_RATE: float(0, 10000).default(5),
  SUPERVISOR_URL: z.string().url().default('http://supervisor'),
  /** Where relative `certfile`/`keyfile` names are looked up. Default `/ssl` in add-on mode (Home Assistant's certificate folder), else `./ssl`. */
  SSL_DIR: z.string().min(1).optional(),
});

/** Reads option values from the environment: each option's upper-case name (`MAX_CLIENTS`, `REDIS_URL`, ...). */
function optionsFromEnv(env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(optionsSchema.shape)) {
    const value = env[key.toUpperCase()];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

function readOptionsFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError([`${path}: cannot be read (${(err as Error).message})`]);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError([`${path}: must hold a JSON object`]);
    }
    // The Supervisor writes `null` for unset optional keys; treat them as absent.
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== null));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // V8 quotes a piece of the text in some messages; the file may hold secrets, so keep only the position.
    const where = /at position \d+/.exec((err as Error).message)?.[0];
    throw new ConfigError([`${path}: is not valid JSON${where ? ` (${where})` : ''}`]);
  }
}

function formatIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `${prefix}${path}: ${issue.message}`;
  });
}

/** `http://host:8123/` → `ws://host:8123/api/websocket`; ws(s) URLs keep their path when it is the websocket one. */
export function websocketUrl(haUrl: string): string {
  const url = new URL(haUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/api/websocket') ? path : `${path}/api/websocket`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

/**
 * The Supervisor's core websocket proxy, derived from `SUPERVISOR_URL` (default `http://supervisor`, so
 * `ws://supervisor/core/websocket`): one setting names the Supervisor for the websocket, REST and `/core/info`.
 */
export function supervisorWebsocketUrl(supervisorUrl: string): string {
  const url = new URL(supervisorUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/core/websocket`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** The REST base (`http(s)://host:port`) matching a Home Assistant URL given in any of the accepted forms. */
export function restUrl(haUrl: string): string {
  const url = new URL(haUrl);
  if (url.protocol === 'ws:') url.protocol = 'http:';
  if (url.protocol === 'wss:') url.protocol = 'https:';
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/api\/websocket$/, '');
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

/**
 * Builds the frozen configuration from the options file and the environment.
 * Throws {@link ConfigError} listing every problem as `path: message`.
 */
export function loadConfig(env: Env = process.env): Config {
  const optionsPath = env.OPTIONS_PATH ?? '/data/options.json';
  const fileOptions = readOptionsFile(optionsPath);
  const issues: string[] = [];

  const envResult = envSchema.safeParse(env);
  if (!envResult.success) issues.push(...formatIssues(envResult.error, 'env.'));

  // Options file first, then the environment, then defaults.
  const merged: Record<string, unknown> = { ...optionsFromEnv(env), ...fileOptions };
  if ('log_level' in merged) merged.log_level = normalizeLogLevel(merged.log_level);
  const unknown = Object.keys(fileOptions).filter((k) => !(k in optionsSchema.shape));
  const optionsResult = optionsSchema.strict().safeParse(
    Object.fromEntries(Object.entries(merged).filter(([k]) => !unknown.includes(k))),
  );
  if (!optionsResult.success) issues.push(...formatIssues(optionsResult.error, 'options.'));

  // Half a standalone configuration is a mistake, not a request for demo mode.
  if (!env.SUPERVISOR_TOKEN) {
    if (env.HA_URL && !env.HA_TOKEN) issues.push('env.HA_TOKEN: required when HA_URL is set');
    if (env.HA_TOKEN && !env.HA_URL) issues.push('env.HA_URL: required when HA_TOKEN is set');
  }

  if (issues.length > 0 || !envResult.success || !optionsResult.success) throw new ConfigError(issues);
  const e = envResult.data;

  let upstream: Upstream;
  if (e.SUPERVISOR_TOKEN) {
    upstream = {
      kind: 'addon',
      url: supervisorWebsocketUrl(e.SUPERVISOR_URL),
      token: e.SUPERVISOR_TOKEN,
      supervisorUrl: e.SUPERVISOR_URL,
    };
  } else if (e.HA_URL && e.HA_TOKEN) {
    upstream = { kind: 'standalone', url: websocketUrl(e.HA_URL), token: e.HA_TOKEN, restUrl: restUrl(e.HA_URL) };
  } else {
    upstream = { kind: 'demo', eventRate: e.DEMO_EVENT_RATE };
  }

  const mode: Mode = upstream.kind;
  return deepFreeze({
    mode,
    options: optionsResult.data,
    upstream,
    port: e.PORT,
    ingressPort: e.INGRESS_PORT,
    bindHost: e.BIND_HOST,
    ingressBindHost: mode === 'addon' ? e.BIND_HOST : (e.INGRESS_BIND_HOST ?? '127.0.0.1'),
    dataDir: mode === 'addon' ? (e.DATA_DIR ?? '/data') : (e.DATA_DIR ?? './data'),
    tls: tlsFiles(optionsResult.data, e.SSL_DIR ?? (mode === 'addon' ? '/ssl' : './ssl')),
    warnings: unknown.map((k) => `options.${k}: unknown option, ignored`),
  });
}

/** The certificate and key paths when `ssl` is on: absolute names as given, others inside `sslDir`. */
function tlsFiles(options: Options, sslDir: string): TlsFiles | undefined {
  if (!options.ssl) return undefined;
  return { certFile: resolve(sslDir, options.certfile), keyFile: resolve(sslDir, options.keyfile) };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
