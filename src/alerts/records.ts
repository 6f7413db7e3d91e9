/**
 * Persistence for alerts: threshold overrides set through the API and the firing → resolved
 * history. Prepared statements over the metrics database, attached to the store
 * ({@link attachAlertRecords}) so they live exactly as long as the database is open.
 */
import type Database from 'better-sqlite3';
import type { AttachedTables } from '../metrics/store/attached-tables.ts';
import type { MetricsStore } from '../metrics/store/store.ts';

/** One alert occurrence. `resolvedAt` is null while it fires. */
export interface AlertRecord {
  id: number;
  alert: string;
  severity: string;
  message: string;
  value: number;
  threshold: number;
  firedAt: number;
  resolvedAt: number | null;
  resolveMessage: string | null;
}

export type NewAlertRecord = Omit<AlertRecord, 'id' | 'resolvedAt' | 'resolveMessage'>;

/** What the alert engine persists through; the store implements it when its database is open. */
export interface AlertPersistence {
  loadOverrides(): Record<string, number>;
  saveOverrides(values: Record<string, number | null>, now: number): void;
  insertFiring(record: NewAlertRecord): number;
  markResolved(id: number, resolvedAt: number, message: string): void;
  /** Alerts still firing (resolved_at null), oldest first. */
  firing(): AlertRecord[];
  /** Newest first. */
  history(limit: number): AlertRecord[];
  /** When each alert last fired, for cooldowns that survive a restart. */
  lastFired(): Record<string, number>;
  prune(before: number): void;
}

const COLUMNS =
  'id, alert, severity, message, value, threshold, fired_at AS firedAt, resolved_at AS resolvedAt, resolve_message AS resolveMessage';

export class AlertRecords implements AlertPersistence {
  readonly #loadOverrides: Database.Statement;
  readonly #upsertOverride: Database.Statement;
  readonly #deleteOverride: Database.Statement;
  readonly #insert: Database.Statement;
  readonly #resolve: Database.Statement;
  readonly #firing: Database.Statement;
  readonly #history: Database.Statement;
  readonly #lastFired: Database.Statement;
  readonly #prune: Database.Statement;
  readonly #saveOverrides: (values: Record<string, number | null>, now: number) => void;

  constructor(db: Database.Database) {
    this.#loadOverrides = db.prepare('SELECT key, value FROM alert_threshold');
    this.#upsertOverride = db.prepare(
      'INSERT INTO alert_threshold (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    this.#deleteOverride = db.prepare('DELETE FROM alert_threshold WHERE key = ?');
    this.#insert = db.prepare(
      'INSERT INTO alert_event (alert, severity, message, value, threshold, fired_at) VALUES (@alert, @severity, @message, @value, @threshold, @firedAt)',
    );
    this.#resolve = db.prepare('UPDATE alert_event SET resolved_at = ?, resolve_message = ? WHERE id = ?');
    this.#firing = db.prepare(`SELECT ${COLUMNS} FROM alert_event WHERE resolved_at IS NULL ORDER BY id`);
    this.#history = db.prepare(`SELECT ${COLUMNS} FROM alert_event ORDER BY id DESC LIMIT ?`);
    this.#lastFired = db.prepare('SELECT alert, MAX(fired_at) AS firedAt FROM alert_event GROUP BY alert');
    this.#prune = db.prepare('DELETE FROM alert_event WHERE resolved_at IS NOT NULL AND resolved_at < ?');
    this.#saveOverrides = db.transaction((values: Record<string, number | null>, now: number) => {
      for (const [key, value] of Object.entries(values)) {
        if (value === null) this.#deleteOverride.run(key);
        else this.#upsertOverride.run(key, value, now);
      }
    });
  }

  loadOverrides(): Record<string, number> {
    const rows = this.#loadOverrides.all() as { key: string; value: number }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  saveOverrides(values: Record<string, number | null>, now: number): void {
    this.#saveOverrides(values, now);
  }

  insertFiring(record: NewAlertRecord): number {
    return Number(this.#insert.run(record).lastInsertRowid);
  }

  markResolved(id: number, resolvedAt: number, message: string): void {
    this.#resolve.run(resolvedAt, message, id);
  }

  firing(): AlertRecord[] {
    return this.#firing.all() as AlertRecord[];
  }

  history(limit: number): AlertRecord[] {
    return this.#history.all(limit) as AlertRecord[];
  }

  lastFired(): Record<string, number> {
    const rows = this.#lastFired.all() as { alert: string; firedAt: number }[];
    return Object.fromEntries(rows.map((r) => [r.alert, r.firedAt]));
  }

  prune(before: number): void {
    this.#prune.run(before);
  }
}

/** The alert tables of `store`'s database, for the engine's `store` option. */
export function attachAlertRecords(store: MetricsStore): AttachedTables<AlertRecords> {
  return store.attach((db) => new AlertRecords(db));
}
