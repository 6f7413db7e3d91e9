/**
 * The data directory, made ready before anything else starts. Node's `mkdir(…, {recursive: true})`
 * never returns for some paths (under `/proc` the kernel answers ENOENT for a parent that exists,
 * and libuv retries forever), so the directory is created one level at a time, then proven
 * writable with a probe file. Problems are reported as {@link DataDirError} with a plain reason.
 */
import { closeSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export class DataDirError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`data directory ${path} cannot be used: ${reason}`);
    this.name = 'DataDirError';
  }
}

/** Creates `path` (and missing parents) and checks that files can be written in it. */
export function prepareDataDir(path: string): void {
  const target = resolve(path);
  const missing: string[] = [];
  for (let dir = target; ; dir = dirname(dir)) {
    const kind = kindOf(dir);
    if (kind === 'directory') break;
    if (kind === 'other') throw new DataDirError(path, `${dir} exists and is not a directory`);
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new DataDirError(path, `cannot create ${dir} (${codeOf(err)})`);
    }
  }
  const probe = join(target, `.write-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
  } catch (err) {
    throw new DataDirError(path, `cannot write in it (${codeOf(err)})`);
  }
}

function kindOf(path: string): 'directory' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'other';
  } catch {
    return 'missing';
  }
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}
