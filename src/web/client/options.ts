/** What `connect()` takes, and the request URL and cache key derived from it. */
import type { BackoffOptions } from './backoff.ts';
import type { CacheOptions } from './state-cache.ts';
import type { EventSourceConstructor, FetchLike } from './stream.ts';
import type { Timers } from './types.ts';

export interface ConnectOptions {
  /**
   * The hub: its base URL (`http://homeassistant.local:3000`, an ingress path) or the full
   * `/subscribe_events` URL. Relative URLs resolve against the page in browsers.
   */
  url: string;
  /** A Home Assistant access token, or a function returning the current one (called on every attempt). */
  token?: string | (() => string | Promise<string>);
  /** Event types (`state_changed`, `automation_triggered`, …); default: every type the user may see. */
  events?: string | readonly string[];
  /** Entity ids; with `domain`, an event passes when its entity is listed OR its domain is. */
  entity_id?: string | readonly string[];
  domain?: string | readonly string[];
  /** Selectors by how Home Assistant organises the home (`area`, `floor`, `label`, `device_id`, `integration`; DOCS.md). */
  area?: string | readonly string[];
  floor?: string | readonly string[];
  label?: string | readonly string[];
  device_id?: string | readonly string[];
  integration?: string | readonly string[];
  /** Only these keys of every state object (`state`, `attributes.brightness`, `last_changed`, …); `entity_id` is always kept. */
  fields?: string | readonly string[];
  /**
   * `entities`: Home Assistant's compressed `subscribe_entities` format (`a`/`c`/`r`); the client
   * keeps {@link SseClient.states} from it and emits `entities`. Default `events`.
   */
  format?: 'events' | 'entities';
  /** At most one update per entity per this many milliseconds (at most 60000); the last value of a burst always arrives. */
  throttle?: number;
  /** The client's name (`^[a-z0-9_]{1,32}$`): listed in the hub's connections and kept as `binary_sensor.sse_hub_client_<name>`. */
  client?: string;
  /** Ask for the current states of the matching entities after `connection`. Default false. */
  initial_state?: boolean;
  /**
   * Ask the hub to gather events into one `batch` frame per this many milliseconds (`batch=<ms>`, at
   * most 10000); listeners still receive each message on its own. Default: one frame per event.
   */
  batch?: number;
  /** Resume from this id on the first connect (later connects use the last id received). */
  last_event_id?: string;
  /**
   * On every resume, ask the hub for the current states should the resume point be gone
   * (`replay_gap`), so the cache is reconciled. Default true.
   */
  refetch_on_gap?: boolean;
  /** `fetch` (token in a header; Node and modern browsers), `eventsource` (token in the query), or `auto`. Default `auto`. */
  transport?: 'auto' | 'fetch' | 'eventsource';
  /** Backoff between attempts: `baseMs` (default 1000), `capMs` (default 30000). */
  backoff?: BackoffOptions;
  /** The entity-state cache; `false` disables it. Default: memory, plus `localStorage` where there is one. */
  cache?: false | CacheOptions;
  /**
   * Milliseconds without any data (pings included) after which the stream counts as dead and is
   * reopened; keep it above the hub's `ping_interval`. 0 disables. Default 75000.
   */
  idleTimeoutMs?: number;
  /** Messages each `for await` loop may hold before dropping the oldest. Default 10000. */
  iteratorBuffer?: number;
  /** Injection points (tests, unusual platforms). */
  fetch?: FetchLike;
  EventSource?: EventSourceConstructor;
  timers?: Timers;
  now?: () => number;
  random?: () => number;
  /** Receives errors thrown by application listeners. Default: rethrown asynchronously. */
  onListenerError?: (err: unknown) => void;
}

const list = (value: string | readonly string[] | undefined): string[] =>
  value === undefined ? [] : (typeof value === 'string' ? value.split(',') : [...value]).map((s) => s.trim()).filter(Boolean);

/** The `/subscribe_events` URL with the filter in the query (the token and the resume point go elsewhere). */
export function subscribeUrl(options: ConnectOptions, initialState: boolean): URL {
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  const url = new URL(options.url, page);
  if (!url.pathname.endsWith('/subscribe_events')) {
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/subscribe_events`;
  }
  const params: [string, string[]][] = [
    ['events', list(options.events)],
    ['entity_id', list(options.entity_id)],
    ['domain', list(options.domain)],
    ['area', list(options.area)],
    ['floor', list(options.floor)],
    ['label', list(options.label)],
    ['device_id', list(options.device_id)],
    ['integration', list(options.integration)],
    ['fields', list(options.fields)],
  ];
  for (const [name, values] of params) if (values.length > 0) url.searchParams.set(name, values.join(','));
  if (initialState) url.searchParams.set('initial_state', 'true');
  if (options.batch) url.searchParams.set('batch', String(options.batch));
  if (options.format === 'entities') url.searchParams.set('format', 'entities');
  if (options.throttle) url.searchParams.set('throttle', String(options.throttle));
  if (options.client) url.searchParams.set('client', options.client);
  return url;
}

/** A storage key per hub and filter (never the token), so two subscriptions do not share a cache. */
export function cacheKey(options: ConnectOptions): string {
  const url = subscribeUrl(options, false);
  let hash = 0x811c9dc5; // FNV-1a: short, stable, no crypto needed
  for (const ch of url.toString()) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `sse-hub:states:${hash.toString(36)}`;
}
