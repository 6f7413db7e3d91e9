/**
 * The backup pause shared by the running add-on and its backup hooks (`hook.ts`, docs/decisions.md):
 * a file beside the database, `<db>.backup-pause`, holding the epoch ms it was set. While it exists
 * the metrics store holds its minute writes back. A pause older than {@link PAUSE_MAX_MS} is ignored,
 * so a failed backup (no `backup_post`) or a restored stray file cannot stop the history for good.
 */
import { readFileSync } from 'node:fs';

export const PAUSE_MAX_MS = 60 * 60 * 1000;

export const pauseFileOf = (dbPath: string): string => `${dbPath}.backup-pause`;

/** True while a fresh pause file exists. */
export function backupPaused(pauseFile: string, now: number): boolean {
  let text: string;
  try {
    text = readFileSync(pauseFile, 'utf8');
  } catch {
    return false;
  }
  const since = Number(text.trim());
  return Number.isFinite(since) && now - since < PAUSE_MAX_MS && now - since > -PAUSE_MAX_MS;
}
