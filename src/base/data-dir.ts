/**
 * The data directory check `main.ts` runs before anything else: the directory exists (created if
 * missing), is a directory and is writable. A directory that fails this is a configuration error
 * (exit 2), not something to retry.
 *
 * The directories are made one level at a time: `mkdirSync(…, {recursive: true})` loops forever on
 * some pseudo file systems (`/proc/x` answers ENOENT however often it is asked), which left the
 * process spinning at 100 % CPU before it ever listened.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export class DataDirError extends Error {
  constructor(
    readonly dir: string,
    reason: string,
  ) {
    super(`the data directory ${dir} (DATA_DIR) cannot be used: ${reason}`);
    this.name = 'DataDirError';
  }
}

/** Creates `dir` if missing and checks it is a writable directory; throws {@link DataDirError}. */
export function ensureDataDir(dir: string): void {
  try {
    createDirectories(resolve(dir));
    if (!statSync(dir).isDirectory()) throw new DataDirError(dir, 'it is not a directory');
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    if (err instanceof DataDirError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataDirError(dir, code ? `${code} (it cannot be created or written)` : 'it cannot be created or written');
  }
}

/** `mkdir -p`, one level at a time from the nearest existing ancestor; the first failure throws. */
function createDirectories(dir: string): void {
  const missing: string[] = [];
  for (let current = dir; !existsSync(current); current = dirname(current)) {
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const level of missing) mkdirSync(level);
}
