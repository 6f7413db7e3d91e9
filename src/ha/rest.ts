/**
 * {@link HaRestClient}: the REST calls the product makes to core (alerts → notifications):
 * `POST /api/services/<domain>/<service>` and `POST /api/events/<type>`. In add-on mode the base is
 * the Supervisor proxy `http://supervisor/core` (its paths mirror core's `/api/…`).
 */
import { UpstreamUnavailableError } from '../base/errors.ts';
import type { HaState } from '../base/types.ts';
import { HaRestError } from './errors.ts';
import { parseStates } from './messages.ts';

export interface HaRestClientOptions {
  /** `http://supervisor/core`, `http(s)://host:port`, or a function read per call (demo mode). */
  baseUrl: string | (() => string);
  /** Bearer token, or a function read per call. Never logged or put in an error. */
  token: string | (() => string);
  /** Per-request deadline in ms. Default 10 000. */
  timeoutMs?: number;
}

/** Domain, service and event type names as core allows them; they become URL path segments. */
const NAME = /^[a-z0-9_]+$/;

const read = (value: string | (() => string)) => (typeof value === 'function' ? value() : value);

export class HaRestClient {
  constructor(readonly options: HaRestClientOptions) {}

  /** Calls a service, e.g. `callService('notify', 'mobile_app_phone', { message })`. */
  async callService(domain: string, service: string, data: Record<string, unknown> = {}): Promise<void> {
    if (!NAME.test(domain) || !NAME.test(service)) throw new RangeError(`invalid service name ${domain}.${service}`);
    await this.#post(`/api/services/${domain}/${service}`, data);
  }

  /** Fires an event on core's bus (arrives with origin REMOTE). */
  async fireEvent(eventType: string, data: Record<string, unknown> = {}): Promise<void> {
    if (!NAME.test(eventType)) throw new RangeError(`invalid event type ${eventType}`);
    await this.#post(`/api/events/${eventType}`, data);
  }

  /** Every current state (`GET /api/states`): what a Redis-mode follower starts its state cache with. */
  async getStates(): Promise<HaState[]> {
    const url = `${read(this.options.baseUrl).replace(/\/+$/, '')}/api/states`;
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { Authorization: `Bearer ${read(this.options.token)}` },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new UpstreamUnavailableError(`Home Assistant REST /api/states failed (${err instanceof Error ? err.message : 'unknown error'})`);
    }
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      throw new HaRestError(res.status, '/api/states');
    }
    return parseStates(await res.json());
  }

  /** Creates or updates an entity's state in core (`POST /api/states/<entity_id>`). */
  async setState(entityId: string, state: string, attributes: Record<string, unknown>): Promise<void> {
    await this.#post(`/api/states/${entityId}`, { state, attributes });
  }

  async #post(path: string, body: unknown): Promise<void> {
    const url = `${read(this.options.baseUrl).replace(/\/+$/, '')}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${read(this.options.token)}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new UpstreamUnavailableError(`Home Assistant REST ${path} failed (${err instanceof Error ? err.message : 'unknown error'})`);
    }
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new HaRestError(res.status, path);
  }
}
