/**
 * The simulated Home Assistant core: clock, ids, event bus, state machine, services and users,
 * shared by the websocket sessions, the REST API and the demo activity. No I/O here.
 */
import type { HaState } from '../base/types.ts';
import type { HaContext } from '../ha/messages.ts';
import { EventBus } from './event-bus.ts';
import { Random, accessToken, newContext } from './ids.ts';
import { SimRegistries } from './registries.ts';
import { ServiceRegistry } from './services.ts';
import { StateMachine } from './state-machine.ts';
import { MicroClock } from './time.ts';

/** A core user as `auth/current_user` describes it (docs/home-assistant.md §10). */
export interface SimUser {
  id: string;
  name: string;
  is_owner: boolean;
  is_admin: boolean;
  credentials: { auth_provider_type: string; auth_provider_id: string | null }[];
  mfa_modules: { id: string; name: string; enabled: boolean }[];
}

export const HA_VERSION = '2025.8.1';

export class SimulatedCore {
  readonly random: Random;
  readonly clock = new MicroClock();
  readonly bus = new EventBus();
  readonly states = new StateMachine(this.bus, this.clock);
  readonly services = new ServiceRegistry(this.bus, this.clock);
  /** Floors, areas, labels, devices and entities (docs/home-assistant.md §17). */
  readonly registries = new SimRegistries(this.bus, this.clock, () => this.context());
  readonly #tokens = new Map<string, SimUser>();
  /** Failed logins, as core counts them for its IP ban (docs/home-assistant.md §15). */
  failedLogins = 0;
  /** Open persistent notifications by id (`persistent_notification.create` / `dismiss`). */
  readonly notifications = new Map<string, { title: string | null; message: string; created_at: string }>();
  /** Every `notify.*` call, in order. */
  readonly notifyCalls: { service: string; data: Record<string, unknown> }[] = [];

  constructor(seed?: number) {
    this.random = new Random(seed);
  }

  /** A fresh context for something the caller does (user id for WS/REST callers, parent for automations). */
  context(userId: string | null = null, parentId: string | null = null): HaContext {
    return newContext(Date.now(), this.random, userId, parentId);
  }

  /** Creates a user with one long-lived access token; returns the token. */
  addUser(name: string, isAdmin: boolean, isOwner = false, fixedToken?: string): { user: SimUser; token: string } {
    const user: SimUser = {
      id: this.random.hex(32),
      name,
      is_owner: isOwner,
      is_admin: isAdmin,
      credentials: [{ auth_provider_type: 'homeassistant', auth_provider_id: null }],
      mfa_modules: [{ id: 'totp', name: 'Authenticator app', enabled: false }],
    };
    const token = fixedToken ?? accessToken(this.random, Math.floor(Date.now() / 1000));
    this.#tokens.set(token, user);
    return { user, token };
  }

  /** The user behind a token, or undefined (and one more failed login). */
  authenticate(token: unknown): SimUser | undefined {
    const user = typeof token === 'string' ? this.#tokens.get(token) : undefined;
    if (!user) this.failedLogins++;
    return user;
  }

  revokeToken(token: string): boolean {
    return this.#tokens.delete(token);
  }

  /**
   * Calls a service and returns the states it changed (what REST `POST /api/services` answers).
   * Throws ServiceNotFoundError.
   */
  callService(domain: string, service: string, data: Record<string, unknown>, context: HaContext): HaState[] {
    const changed = new Map<string, HaState>();
    const stop = this.bus.listen('state_changed', (event) => {
      const fresh = event.data.new_state as HaState | null;
      if (fresh) changed.set(fresh.entity_id, fresh);
    });
    try {
      this.services.call(domain, service, data, context);
    } finally {
      stop();
    }
    return [...changed.values()];
  }

  /** `get_config` (core `Config.as_dict`, docs/home-assistant.md §10). */
  config(): Record<string, unknown> {
    const components = [...new Set([...this.states.entityIds().map((id) => id.split('.')[0]), 'api', 'websocket_api', 'http', 'automation', 'script', 'notify', 'persistent_notification'])].sort();
    return {
      allowlist_external_dirs: ['/config/www', '/media'],
      allowlist_external_urls: [],
      components,
      config_dir: '/config',
      config_source: 'storage',
      country: 'NL',
      currency: 'EUR',
      debug: false,
      elevation: 4,
      external_url: null,
      internal_url: null,
      language: 'en',
      latitude: 52.3731339,
      location_name: 'Demo Home (simulated)',
      longitude: 4.8903147,
      radius: 100,
      recovery_mode: false,
      safe_mode: false,
      state: 'RUNNING',
      time_zone: 'Europe/Amsterdam',
      unit_system: {
        length: 'km',
        accumulated_precipitation: 'mm',
        area: 'm²',
        mass: 'g',
        pressure: 'Pa',
        temperature: '°C',
        volume: 'L',
        wind_speed: 'm/s',
      },
      version: HA_VERSION,
      whitelist_external_dirs: ['/config/www', '/media'],
    };
  }
}
