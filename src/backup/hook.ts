/**
 * The add-on's backup hooks (config.yaml `backup_pre` / `backup_post`; the Supervisor runs them inside
 * the running container and fails the backup on a non-zero exit; docs/decisions.md says why hot):
 *
 * - `pre`: sets the pause (the running store stops writing minutes and keeps them in memory), then
 *   checkpoints the WAL into the database file and truncates it, waiting for a write in progress.
 *   From then until `post` the database file does not change, so the copy of /data is consistent.
 * - `post`: removes the pause; the store writes the held-back minutes with its next one.
 *
 * Usage: `node dist/backup/hook.js pre|post [database path]` (default `$DATA_DIR/metrics.db`, `/data`).
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { pauseFileOf } from './pause.ts';

export function backupPre(dbPath: string, now = Date.now()): void {
  writeFileSync(pauseFileOf(dbPath), `${String(now)}\n`);
  if (!existsSync(dbPath)) return;
  const db = new Database(dbPath, { timeout: 10_000 });
  try {
    // A write that began before the pause may hold the lock: retry for up to 10 s.
    for (let attempt = 1; ; attempt++) {
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (!result || result.busy === 0) break;
      if (attempt >= 100) throw new Error(`the WAL checkpoint of ${dbPath} stayed blocked (busy)`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  } finally {
    db.close();
  }
}

export function backupPost(dbPath: string): void {
  rmSync(pauseFileOf(dbPath), { force: true });
}

function main(argv: string[]): number {
  const [command, path] = argv;
  const dbPath = path ?? join(process.env.DATA_DIR ?? '/data', 'metrics.db');
  try {
    if (command === 'pre') backupPre(dbPath);
    else if (command === 'post') backupPost(dbPath);
    else {
      process.stderr.write('usage: backup hook pre|post [database path]\n');
      return 2;
    }
  } catch (err) {
    if (command === 'pre') backupPost(dbPath);
    process.stderr.write(`SSE Hub backup ${String(command)}: ${(err as Error).message}\n`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main(process.argv.slice(2));
