/**
 * Named clients as Home Assistant entities (DOCS.md "Named clients"): a stream opened with
 * `client=<name>` (or `X-Client-Name`) makes the hub keep `binary_sensor.sse_hub_client_<name>`
 * (`device_class: connectivity`): `on` while a stream of that name is open, `off` once the last
 * one has been closed for the grace period (a resume within it never flickers the entity).
 *
 * Read on every tick of the sensor publisher (`sensor-publisher.ts`, every 5 s at most): the open
 * streams come from the hub's snapshots, so nothing runs on the per-event path. Names are recorded
 * in the metrics database (`known-clients.ts`) when they come online, and the known ones are
 * published again (as `off` until they connect) after a restart.
 */
import type { ConnectionRegistry } from '../base/types.ts';
import { isoTime } from '../base/iso-time.ts';
import type { AttachedTables } from '../metrics/store/attached-tables.ts';
import type { SensorState } from './ha-sensors.ts';
import type { KnownClientRecords } from './known-clients.ts';

export interface ClientPresenceOptions {
  registry: Pick<ConnectionRegistry, 'list'>;
  /** Milliseconds a name stays `on` after its last stream closed (`client_offline_grace_seconds`). Default 30000. */
  graceMs?: number;
  /** Where the names are kept; absent: only this run's names. */
  records?: AttachedTables<KnownClientRecords>;
  now: () => number;
}

interface Presence {
  online: boolean;
  /** When the name came online (its first stream of this online period). */
  connectedSince: number | null;
  /** The last time a stream of this name was seen open. */
  lastOpenAt: number;
  address: string;
  userAgent: string;
  lastEventAt: number | null;
}

/** The entity id of a client name (names are `^[a-z0-9_]{1,32}$`, valid object ids). */
export const clientEntityId = (name: string): string => `binary_sensor.sse_hub_client_${name}`;

/** Whole minutes, so a busy stream does not rewrite its entity on every tick. */
const minute = (ms: number): string => isoTime(Math.floor(ms / 60_000) * 60_000);

export class ClientPresence {
  readonly #options: ClientPresenceOptions;
  readonly #graceMs: number;
  readonly #clients = new Map<string, Presence>();
  #loaded = false;

  constructor(options: ClientPresenceOptions) {
    this.#options = options;
    this.#graceMs = options.graceMs ?? 30_000;
  }

  /** The entities as they are now; updates the presence from the open streams first. */
  sensors(): SensorState[] {
    this.#update();
    return [...this.#clients].map(([name, p]) => ({
      entity_id: clientEntityId(name),
      state: p.online ? 'on' : 'off',
      attributes: {
        friendly_name: `SSE Hub client ${name}`,
        device_class: 'connectivity',
        address: p.address,
        user_agent: p.userAgent,
        connected_since: p.online && p.connectedSince !== null ? isoTime(p.connectedSince) : '',
        last_event_at: p.lastEventAt === null ? '' : minute(p.lastEventAt),
      },
    }));
  }

  #update(): void {
    const now = this.#options.now();
    this.#load();
    const open = new Map<string, { connectedAt: number; lastEventAt: number | null; address: string; userAgent: string }>();
    for (const conn of this.#options.registry.list()) {
      const name = conn.clientName;
      if (!name || conn.state !== 'active') continue;
      const seen = open.get(name);
      if (!seen) {
        open.set(name, { connectedAt: conn.connectedAt, lastEventAt: conn.lastEventAt, address: conn.ipAddress, userAgent: conn.userAgent });
        continue;
      }
      seen.lastEventAt = Math.max(seen.lastEventAt ?? 0, conn.lastEventAt ?? 0) || null;
      if (conn.connectedAt > seen.connectedAt) Object.assign(seen, { address: conn.ipAddress, userAgent: conn.userAgent }); // the newest stream's
      seen.connectedAt = Math.min(seen.connectedAt, conn.connectedAt);
    }
    for (const [name, seen] of open) {
      let p = this.#clients.get(name);
      if (!p) this.#clients.set(name, (p = { online: false, connectedSince: null, lastOpenAt: now, address: '', userAgent: '', lastEventAt: null }));
      const moved = p.address !== seen.address || p.userAgent !== seen.userAgent;
      if (!p.online) p.connectedSince = seen.connectedAt;
      if (!p.online || moved) this.#options.records?.use((records) => records.seen(name, now, seen.address, seen.userAgent));
      p.online = true;
      p.lastOpenAt = now;
      p.address = seen.address;
      p.userAgent = seen.userAgent;
      if (seen.lastEventAt !== null) p.lastEventAt = Math.max(p.lastEventAt ?? 0, seen.lastEventAt);
    }
    for (const [name, p] of this.#clients) {
      if (p.online && !open.has(name) && now - p.lastOpenAt >= this.#graceMs) {
        p.online = false;
        p.connectedSince = null;
      }
    }
  }

  /** The names of earlier runs, once the database answers. */
  #load(): void {
    if (this.#loaded || !this.#options.records) return;
    const known = this.#options.records.use((records) => records.all());
    if (!known) return;
    this.#loaded = true;
    for (const client of known) {
      if (this.#clients.has(client.name)) continue;
      this.#clients.set(client.name, {
        online: false,
        connectedSince: null,
        lastOpenAt: client.lastSeen,
        address: client.address,
        userAgent: client.userAgent,
        lastEventAt: null,
      });
    }
  }
}
