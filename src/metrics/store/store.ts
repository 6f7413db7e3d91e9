/**
 * The metrics history in SQLite (better-sqlite3): per-minute rollups (for 1h and 24h) and
 * per-hour rollups (for 7d and 30d), and the tables other modules keep in the same file (the alert
 * thresholds and history of `alerts/records.ts`, through {@link MetricsStore.attach}).
 *
 * - WAL journal, prepared statements, versioned migrations (`schema.ts`).
 * - One transaction per minute writes the minute row and merges it into its hour row, then
 *   applies retention.
 * - A corrupt, locked or unreadable database is logged once, clearly, and the store becomes
 *   unavailable (`available === false`): writes are dropped, reads return nothing, and the live
 *   service keeps running on live figures. It never throws out of its public methods.
 */
import { backupPaused, pauseFileOf } from '../../backup/pause.ts';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ensureDataDir } from '../../base/data-dir.ts';
import type { Logger } from '../../base/log.ts';
import { DAY_MS, HOUR_MS, floorTo, type Now } from '../clock.ts';
import { HistogramAccumulator } from '../histogram/accumulator.ts';
import { HistogramFormatError } from '../histogram/histogram.ts';
import { mergeRollups, type Rollup, type RollupView } from '../rollup/record.ts';
import type { Resolution } from '../period.ts';
import { VIEW_FIELDS, decodeRow, encodeRow, selectList, toView } from './rows.ts';
import { ROLLUP_COLUMNS, migrate, type RollupTable } from './schema.ts';
import type { PeriodAggregate } from '../rollup/aggregate.ts';
import { AttachedTables, type StoreTables } from './attached-tables.ts';

export interface MetricsStoreOptions {
  /** Directory of the database file; the composition root passes `config.dataDir`. Created if missing. */
  dataDir: string;
  /** File name inside `dataDir`. Default `metrics.db`. */
  fileName?: string;
  /** Days of hourly rollups and resolved alerts kept (option `metrics_retention_days`). Default 30. */
  retentionDays?: number;
  /** How long minute rollups are kept, ms (never longer than the retention). Default 48 hours: enough for 24h. */
  minuteRetentionMs?: number;
  /** How long to wait for a lock held by another connection before giving up, ms. Default 2000. */
  busyTimeoutMs?: number;
  /** The clock. Default `Date.now`. */
  now?: Now;
  logger: Logger;
}

/** SQLite error codes after which the file cannot be trusted: stop using it. */
const FATAL_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_FULL']);

const TABLE: Record<Resolution, RollupTable> = { minute: 'rollup_minute', hour: 'rollup_hour' };

interface Statements {
  aggregate: Record<RollupTable, Database.Statement>;
  latencies: Record<RollupTable, Database.Statement>;
  upsert: Record<RollupTable, Database.Statement>;
  getOne: Record<RollupTable, Database.Statement>;
  range: Record<RollupTable, Database.Statement>;
  prune: Record<RollupTable, Database.Statement>;
  /** Writes the rollups in one IMMEDIATE transaction unless a backup pause is set; false when paused. */
  writeMinutes: Database.Transaction<(rollups: Rollup[]) => boolean>;
}

export class MetricsStore {
  readonly path: string;
  readonly #options: MetricsStoreOptions;
  readonly #now: Now;
  readonly #logger: Logger;
  #db: Database.Database | undefined;
  #statements: Statements | undefined;
  readonly #attached: AttachedTables<StoreTables>[] = [];
  #reason: string | undefined = 'not started';
  /** Minutes held back while a backup pauses writes (`src/backup/`), written when it ends. */
  #pending: Rollup[] = [];

  constructor(options: MetricsStoreOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger;
    this.path = join(options.dataDir, options.fileName ?? 'metrics.db');
  }

  /** True while history is kept. */
  get available(): boolean {
    return this.#db !== undefined;
  }

  /** Why the store is unavailable (safe to show), undefined when available. */
  get unavailableReason(): string | undefined {
    return this.#reason;
  }

  /**
   * Keeps another module's tables in this database (their schema is in `schema.ts`): `open` builds
   * its statements each time the database opens; they are pruned with the rollups (resolved before
   * the retention) and used through {@link AttachedTables.use}, which never throws.
   */
  attach<T extends StoreTables>(open: (db: Database.Database) => T): AttachedTables<T> {
    const attached = new AttachedTables(open, (err, what) => this.#failed(err, what));
    this.#attached.push(attached);
    if (this.#db) attached.open(this.#db);
    return attached;
  }

  /** Opens (creating or migrating) the database. Never throws: failures make the store unavailable. */
  start(): void {
    if (this.#db) return;
    let db: Database.Database | undefined;
    try {
      ensureDataDir(this.#options.dataDir);
      db = new Database(this.path, { timeout: this.#options.busyTimeoutMs ?? 2000 });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw Object.assign(new Error(`integrity check failed: ${String(check)}`), { code: 'SQLITE_CORRUPT' });
      migrate(db);
      this.#statements = this.#prepare(db);
      for (const attached of this.#attached) attached.open(db);
      this.#db = db;
      this.#reason = undefined;
    } catch (err) {
      try {
        db?.close();
      } catch {
        // already broken; the error below is the one that matters
      }
      this.#disable(err, 'cannot be opened');
    }
  }

  stop(): void {
    const db = this.#db;
    this.#db = undefined;
    this.#statements = undefined;
    for (const attached of this.#attached) attached.close();
    this.#reason = 'stopped';
    try {
      db?.close();
    } catch (err) {
      this.#logger.warn({ err }, 'closing the metrics database failed');
    }
  }

  /** Writes one minute (merging with a row already there) and its hour, then applies retention. False when not stored. */
  writeMinute(rollup: Rollup): boolean {
    const statements = this.#statements;
    if (!statements) return false;
    try {
      const batch = [...this.#pending, rollup];
      // IMMEDIATE: the pause check and the writes hold the write lock together, so a backup hook that
      // set the pause and then checkpoints sees either this whole minute or none of it.
      if (statements.writeMinutes.immediate(batch)) this.#pending = [];
      else this.#pending = batch.slice(-24 * 60);
      return true;
    } catch (err) {
      this.#failed(err, 'writing a minute rollup failed');
      return false;
    }
  }

  /** Rollups of one resolution with `ts >= from`, oldest first; empty while unavailable. */
  range(resolution: Resolution, from: number): RollupView[] {
    const statements = this.#statements;
    if (!statements) return [];
    try {
      return (statements.range[TABLE[resolution]].all(from) as unknown[][]).map(toView);
    } catch (err) {
      this.#failed(err, 'reading rollups failed');
      return [];
    }
  }

  /**
   * Totals of the rollups of one resolution with `ts >= from`, histograms merged: the fast path of
   * period summaries (SQL sums and maxima, one dense merge). Undefined while unavailable.
   */
  aggregate(resolution: Resolution, from: number): PeriodAggregate | undefined {
    const statements = this.#statements;
    if (!statements) return undefined;
    const table = TABLE[resolution];
    try {
      const totals = statements.aggregate[table].get(from) as Omit<PeriodAggregate, 'latency'>;
      const latency = new HistogramAccumulator();
      for (const blob of statements.latencies[table].iterate(from) as Iterable<Uint8Array>) {
        try {
          latency.addEncoded(blob);
        } catch (err) {
          if (!(err instanceof HistogramFormatError)) throw err;
          this.#logger.warn({ err }, 'metrics history: skipping an unreadable latency histogram');
        }
      }
      return { ...totals, latency };
    } catch (err) {
      this.#failed(err, 'reading rollups failed');
      return undefined;
    }
  }

  /** One full rollup, decoded; undefined when absent or unavailable. */
  read(resolution: Resolution, ts: number): Rollup | undefined {
    const statements = this.#statements;
    if (!statements) return undefined;
    try {
      return decodeRow(statements.getOne[TABLE[resolution]].get(ts));
    } catch (err) {
      this.#failed(err, 'reading a rollup failed');
      return undefined;
    }
  }

  #prepare(db: Database.Database): Statements {
    const tables: RollupTable[] = ['rollup_minute', 'rollup_hour'];
    const per = (make: (table: RollupTable) => Database.Statement) =>
      Object.fromEntries(tables.map((table) => [table, make(table)])) as Record<RollupTable, Database.Statement>;
    const columns = ROLLUP_COLUMNS.map(([c]) => c).join(', ');
    const params = ROLLUP_COLUMNS.map(([, f]) => `@${f}`).join(', ');
    const statements = {
      aggregate: per((table) =>
        db.prepare(
          `SELECT COALESCE(SUM(duration_ms), 0) AS durationMs, COALESCE(SUM(conn_avg * duration_ms), 0) AS connWeighted,
             COALESCE(SUM(cpu_avg * duration_ms), 0) AS cpuWeighted, COALESCE(SUM(deliveries), 0) AS deliveries,
             COALESCE(MAX(conn_max), 0) AS connMax, COALESCE(MAX(rate_max), 0) AS rateMax,
             COALESCE(MAX(mem_rss_max), 0) AS memMax, COALESCE(MAX(cpu_max), 0) AS cpuMax
           FROM ${table} WHERE ts >= ?`,
        ),
      ),
      latencies: per((table) => db.prepare(`SELECT latency FROM ${table} WHERE ts >= ?`).pluck()),
      upsert: per((table) => db.prepare(`INSERT OR REPLACE INTO ${table} (${columns}) VALUES (${params})`)),
      getOne: per((table) => db.prepare(`SELECT ${selectList(ROLLUP_COLUMNS)} FROM ${table} WHERE ts = ?`)),
      // raw(): arrays, turned into objects here; better-sqlite3 builds row objects several times slower.
      range: per((table) => db.prepare(`SELECT ${VIEW_FIELDS.map(([c]) => c).join(', ')} FROM ${table} WHERE ts >= ? ORDER BY ts`).raw()),
      prune: per((table) => db.prepare(`DELETE FROM ${table} WHERE ts < ?`)),
    };
    const retentionMs = (this.#options.retentionDays ?? 30) * DAY_MS;
    const minuteRetentionMs = Math.min(retentionMs, this.#options.minuteRetentionMs ?? 2 * DAY_MS);
    const upsertMerged = (table: RollupTable, rollup: Rollup) => {
      const existing = decodeRow(statements.getOne[table].get(rollup.ts));
      statements.upsert[table].run(encodeRow(existing ? mergeRollups(existing, rollup) : rollup));
    };
    const pauseFile = pauseFileOf(this.path);
    const writeMinutes = db.transaction((rollups: Rollup[]): boolean => {
      if (backupPaused(pauseFile, this.#now())) return false;
      for (const rollup of rollups) {
        upsertMerged('rollup_minute', rollup);
        upsertMerged('rollup_hour', { ...rollup, ts: floorTo(rollup.ts, HOUR_MS) });
      }
      const now = this.#now();
      statements.prune.rollup_minute.run(now - minuteRetentionMs);
      statements.prune.rollup_hour.run(now - retentionMs);
      for (const attached of this.#attached) attached.prune(now - retentionMs);
      return true;
    });
    return { ...statements, writeMinutes };
  }

  #failed(err: unknown, what: string): void {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && [...FATAL_CODES].some((c) => code.startsWith(c))) {
      this.stop();
      this.#disable(err, 'failed');
    } else {
      this.#logger.error({ err, path: this.path }, `metrics history: ${what}`);
    }
  }

  #disable(err: unknown, what: string): void {
    const code = (err as { code?: unknown }).code;
    const detail = `${typeof code === 'string' ? `${code}: ` : ''}${(err as Error).message ?? String(err)}`;
    const hint =
      code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
        ? 'another process holds a lock on it'
        : code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT'
          ? 'the file is corrupt; move it aside and restart to begin a new history'
          : 'check the data directory';
    this.#reason = `metrics database ${what} (${detail}); ${hint}`;
    this.#logger.error(
      { err, path: this.path },
      `metrics history disabled: the database ${this.path} ${what} (${detail}); ${hint}. The service keeps running with live statistics only.`,
    );
  }
}
