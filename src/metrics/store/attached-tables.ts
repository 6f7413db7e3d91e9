/**
 * Tables another module keeps in the metrics database (the alert records): the store opens them
 * with the database, prunes them with the rollups and closes them when the database goes away, so
 * the owning module never holds a database handle that may have failed.
 */
import type Database from 'better-sqlite3';

/** What the store needs of attached tables: retention. */
export interface StoreTables {
  /** Deletes what is older than `before` (epoch ms) and no longer needed. */
  prune(before: number): void;
}

export class AttachedTables<T extends StoreTables> {
  readonly #open: (db: Database.Database) => T;
  readonly #failed: (err: unknown, what: string) => void;
  #tables: T | undefined;

  /** `failed` is the store's error path: it logs, and disables the store on a fatal SQLite error. */
  constructor(open: (db: Database.Database) => T, failed: (err: unknown, what: string) => void) {
    this.#open = open;
    this.#failed = failed;
  }

  /** Runs `fn` against the tables; undefined while the store is unavailable or when `fn` fails (logged, never thrown). */
  use<R>(fn: (tables: T) => R): R | undefined {
    const tables = this.#tables;
    if (!tables) return undefined;
    try {
      return fn(tables);
    } catch (err) {
      this.#failed(err, 'attached tables failed');
      return undefined;
    }
  }

  /** Called by the store. */
  open(db: Database.Database): void {
    this.#tables = this.#open(db);
  }

  /** Called by the store. */
  close(): void {
    this.#tables = undefined;
  }

  /** Called by the store inside its retention transaction: errors abort it and reach the store. */
  prune(before: number): void {
    this.#tables?.prune(before);
  }
}
