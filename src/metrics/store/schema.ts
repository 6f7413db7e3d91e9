/**
 * The metrics database schema and its migrations. `schema_version` holds one row with the
 * version applied; each migration runs in its own transaction, so a database is always at one
 * known version. Append migrations; never edit a released one.
 */
import type Database from 'better-sqlite3';

/** Columns of a rollup table and the {@link Rollup} field each maps to (the SQL alias). */
export const ROLLUP_COLUMNS = [
  ['ts', 'ts', 'INTEGER PRIMARY KEY'],
  ['duration_ms', 'durationMs', 'INTEGER NOT NULL'],
  ['conn_current', 'connCurrent', 'INTEGER NOT NULL'],
  ['conn_max', 'connMax', 'INTEGER NOT NULL'],
  ['conn_avg', 'connAvg', 'REAL NOT NULL'],
  ['conn_opened', 'connOpened', 'INTEGER NOT NULL'],
  ['conn_closed', 'connClosed', 'INTEGER NOT NULL'],
  ['conn_duration_sum_ms', 'connDurationSumMs', 'INTEGER NOT NULL'],
  ['events_in', 'eventsIn', 'INTEGER NOT NULL'],
  ['deliveries', 'deliveries', 'INTEGER NOT NULL'],
  ['bytes_out', 'bytesOut', 'INTEGER NOT NULL'],
  ['delivery_failures', 'deliveryFailures', 'INTEGER NOT NULL'],
  ['rate_limited', 'rateLimited', 'INTEGER NOT NULL'],
  ['rate_max', 'rateMax', 'REAL NOT NULL'],
  ['latency', 'latency', 'BLOB NOT NULL'],
  ['hub_latency', 'hubLatency', 'BLOB NOT NULL'],
  ['backlog_max', 'backlogMax', 'INTEGER NOT NULL'],
  ['mem_rss', 'memRss', 'INTEGER NOT NULL'],
  ['mem_rss_max', 'memRssMax', 'INTEGER NOT NULL'],
  ['heap_used', 'heapUsed', 'INTEGER NOT NULL'],
  ['heap_used_max', 'heapUsedMax', 'INTEGER NOT NULL'],
  ['cpu_avg', 'cpuAvg', 'REAL NOT NULL'],
  ['cpu_max', 'cpuMax', 'REAL NOT NULL'],
  ['elu_avg', 'eluAvg', 'REAL NOT NULL'],
  ['loop_delay_p99_max', 'loopDelayP99Max', 'REAL NOT NULL'],
  ['net_rx_bytes', 'netRxBytes', 'INTEGER NOT NULL'],
  ['net_tx_bytes', 'netTxBytes', 'INTEGER NOT NULL'],
  ['disk_read_bytes', 'diskReadBytes', 'INTEGER NOT NULL'],
  ['disk_write_bytes', 'diskWriteBytes', 'INTEGER NOT NULL'],
  ['event_types', 'eventTypes', "TEXT NOT NULL DEFAULT '{}'"],
  ['errors', 'errors', "TEXT NOT NULL DEFAULT '{}'"],
  ['close_reasons', 'closeReasons', "TEXT NOT NULL DEFAULT '{}'"],
] as const;

export type RollupTable = 'rollup_minute' | 'rollup_hour';

const rollupTable = (name: RollupTable) =>
  `CREATE TABLE ${name} (\n  ${ROLLUP_COLUMNS.map(([column, , type]) => `${column} ${type}`).join(',\n  ')}\n);`;

/** Ordered migrations; index + 1 is the version each one brings the database to. */
export const MIGRATIONS: readonly string[] = [
  `${rollupTable('rollup_minute')}
   ${rollupTable('rollup_hour')}
   CREATE TABLE alert_threshold (
     key TEXT PRIMARY KEY,
     value REAL NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE alert_event (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     alert TEXT NOT NULL,
     severity TEXT NOT NULL,
     message TEXT NOT NULL,
     value REAL NOT NULL,
     threshold REAL NOT NULL,
     fired_at INTEGER NOT NULL,
     resolved_at INTEGER,
     resolve_message TEXT
   );
   CREATE INDEX alert_event_fired ON alert_event (fired_at);`,
  // 2: the names clients gave themselves (`client=<name>`), re-published as entities after a restart.
  `CREATE TABLE known_client (
     name TEXT PRIMARY KEY,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL,
     address TEXT NOT NULL DEFAULT '',
     user_agent TEXT NOT NULL DEFAULT ''
   );`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The database was written by a newer SSE Hub; this version will not touch it. */
export class SchemaTooNewError extends Error {
  constructor(readonly found: number) {
    super(`database schema version ${found} is newer than this version of SSE Hub understands (${SCHEMA_VERSION})`);
    this.name = 'SchemaTooNewError';
  }
}

/** Brings `db` to {@link SCHEMA_VERSION}; returns the version it found. */
export function migrate(db: Database.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  const found = row?.version ?? 0;
  if (found > SCHEMA_VERSION) throw new SchemaTooNewError(found);
  if (!row) db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
  for (let version = found + 1; version <= SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version - 1] ?? '');
      db.prepare('UPDATE schema_version SET version = ?').run(version);
    })();
  }
  return found;
}
