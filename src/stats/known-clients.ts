/**
 * The names clients gave themselves (`client=<name>`, DOCS.md "Named clients"), kept in the
 * metrics database (`known_client`, migration 2) so their entities are published again after a
 * restart. Attached to the store like the alert records: the statements live exactly as long as
 * the database is open.
 */
import type Database from 'better-sqlite3';
import type { AttachedTables } from '../metrics/store/attached-tables.ts';
import type { MetricsStore } from '../metrics/store/store.ts';

/** A client name as last seen. */
export interface KnownClient {
  name: string;
  firstSeen: number;
  lastSeen: number;
  address: string;
  userAgent: string;
}

export class KnownClientRecords {
  readonly #all: Database.Statement;
  readonly #upsert: Database.Statement;

  constructor(db: Database.Database) {
    this.#all = db.prepare('SELECT name, first_seen AS firstSeen, last_seen AS lastSeen, address, user_agent AS userAgent FROM known_client ORDER BY name');
    this.#upsert = db.prepare(
      `INSERT INTO known_client (name, first_seen, last_seen, address, user_agent) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET last_seen = excluded.last_seen, address = excluded.address, user_agent = excluded.user_agent`,
    );
  }

  all(): KnownClient[] {
    return this.#all.all() as KnownClient[];
  }

  /** Records that `name` was seen at `at` from `address` with `userAgent`. */
  seen(name: string, at: number, address: string, userAgent: string): void {
    this.#upsert.run(name, at, at, address, userAgent);
  }

  /** Names are kept whatever their age: an automation may wait for a tablet that is off for months. */
  prune(): void {}
}

export function attachKnownClients(store: MetricsStore): AttachedTables<KnownClientRecords> {
  return store.attach((db) => new KnownClientRecords(db));
}
