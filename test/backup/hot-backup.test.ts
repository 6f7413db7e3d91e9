/**
 * Hot backup through the add-on's hooks: while a real MetricsStore in another process writes minutes
 * as fast as it can, `backup_pre` pauses the writes and checkpoints the WAL, /data is copied as the
 * Supervisor would (without the `*.db-shm` that config.yaml excludes), `backup_post` resumes. The
 * copy opens with `PRAGMA integrity_check` = ok, the held-back minutes reach the original afterwards,
 * and a stale pause is ignored.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { backupPaused, pauseFileOf, PAUSE_MAX_MS } from '../../src/backup/pause.ts';
import { killLeftovers, start, waitFor, within, type Run } from '../process-harness.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sse-hub-backup-'));
after(() => {
  killLeftovers();
  rmSync(dir, { recursive: true, force: true });
});

const writes = (run: Run): number => Number(/wrote (\d+)\n(?![\s\S]*wrote)/.exec(run.stdout())?.[1] ?? 0);
const rows = (path: string): number => {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT COUNT(*) FROM rollup_minute').pluck().get() as number;
  } finally {
    db.close();
  }
};

async function hook(command: 'pre' | 'post', dbPath: string): Promise<void> {
  const run = start(['--import', 'tsx', 'src/backup/hook.ts', command, dbPath], ROOT, { PATH: process.env.PATH });
  assert.deepEqual(await within(run.exit, 30_000), { code: 0, signal: null }, run.stderr());
}

describe('hot backup with backup_pre / backup_post', () => {
  it('a copy of /data taken during heavy metric writes passes integrity_check; writes resume after', { timeout: 90_000 }, async () => {
    const data = join(dir, 'data');
    const db = join(data, 'metrics.db');
    const writer = start(['--import', 'tsx', 'test/backup/writer.ts', data, '60000'], ROOT, { PATH: process.env.PATH });
    await waitFor('1000 writes', writer, () => (writes(writer) >= 1000 ? true : undefined), 40_000);

    await hook('pre', db);
    const atPause = writes(writer);
    // The writer keeps calling writeMinute while the copy is taken: those minutes are held back.
    await waitFor('writes during the pause', writer, () => (writes(writer) >= atPause + 500 ? true : undefined), 20_000);
    const copy = join(dir, 'copy');
    cpSync(data, copy, { recursive: true, filter: (src) => !src.endsWith('.db-shm') && !src.endsWith('.backup-pause') });
    const copied = rows(join(copy, 'metrics.db'));
    await hook('post', db);

    const check = new Database(join(copy, 'metrics.db'));
    try {
      assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      check.close();
    }
    assert.ok(copied >= 1000, `the copy holds the minutes written before the pause (${String(copied)})`);

    // After post, the held-back minutes and new ones reach the original.
    const resumedAt = writes(writer);
    await waitFor('writes after the pause', writer, () => (writes(writer) >= resumedAt + 100 ? true : undefined), 20_000);
    writer.child.kill('SIGTERM');
    assert.deepEqual(await within(writer.exit, 10_000), { code: 0, signal: null }, writer.stderr());
    // The store holds back at most a day of minutes (1440; the add-on writes one a minute, this writer
    // thousands a second), so the original gains the held-back day plus what came after the pause.
    const total = rows(db);
    const heldBack = Math.min(1440, resumedAt - atPause);
    assert.ok(total >= copied + heldBack + 100, `held-back and later minutes were written (${String(total)} rows, ${String(copied)} in the copy)`);
  });

  it('a pause file older than an hour (a backup that never ran post, or a restored file) is ignored', () => {
    const file = pauseFileOf(join(dir, 'x.db'));
    const now = Date.now();
    writeFileSync(file, String(now - 1000));
    assert.equal(backupPaused(file, now), true);
    writeFileSync(file, String(now - PAUSE_MAX_MS - 1));
    assert.equal(backupPaused(file, now), false);
    rmSync(file);
    assert.equal(backupPaused(file, now), false);
  });
});
