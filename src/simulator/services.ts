/**
 * The simulated core's service registry (core `ServiceRegistry.async_call`, docs/home-assistant.md §7/§10):
 * `call_service` is fired with the caller's context just before the handler runs; an unknown
 * service raises {@link ServiceNotFoundError}, which the websocket API turns into `not_found`.
 */
import type { HaContext } from '../ha/messages.ts';
import type { EventBus } from './event-bus.ts';
import type { MicroClock } from './time.ts';

export interface ServiceCall {
  domain: string;
  service: string;
  data: Record<string, unknown>;
  context: HaContext;
}

export type ServiceHandler = (call: ServiceCall) => void;

/** Core's `ServiceNotFound`: the message and translation fields the websocket API sends. */
export class ServiceNotFoundError extends Error {
  readonly translationKey = 'service_not_found';
  readonly translationDomain = 'homeassistant';
  constructor(
    readonly domain: string,
    readonly service: string,
  ) {
    super(`Service ${domain}.${service} not found.`);
    this.name = 'ServiceNotFoundError';
  }
}

export class ServiceRegistry {
  readonly #handlers = new Map<string, ServiceHandler>();
  readonly #anyService = new Map<string, ServiceHandler>();

  constructor(
    readonly bus: EventBus,
    readonly clock: MicroClock,
  ) {}

  register(domain: string, service: string, handler: ServiceHandler): void {
    this.#handlers.set(`${domain}.${service}`, handler);
  }

  /**
   * Accepts every service name of a domain. Real core only knows the notify services its integrations
   * registered; the simulator accepts any `notify.<name>` so a configured `notify_service` works in demo mode.
   */
  registerAny(domain: string, handler: ServiceHandler): void {
    this.#anyService.set(domain, handler);
  }

  has(domain: string, service: string): boolean {
    return this.#handlers.has(`${domain}.${service}`) || this.#anyService.has(domain);
  }

  /** `get_services`-like listing: domain → service names. */
  list(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const key of this.#handlers.keys()) {
      const [domain = '', service = ''] = key.split('.');
      (out[domain] ??= []).push(service);
    }
    return out;
  }

  /** Fires `call_service`, then runs the service. Throws {@link ServiceNotFoundError}. */
  call(domain: string, service: string, data: Record<string, unknown>, context: HaContext): void {
    const handler = this.#handlers.get(`${domain}.${service}`) ?? this.#anyService.get(domain);
    if (!handler) throw new ServiceNotFoundError(domain, service);
    this.bus.fire('call_service', { domain, service, service_data: data }, { context, timeFiredMicros: this.clock.now() });
    handler({ domain, service, data, context });
  }
}
