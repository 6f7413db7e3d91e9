/** Shared helpers for the packaging tests: the repository root, its files in git, YAML readers. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { isRecord } from '../../src/base/is-record.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function readText(path: string): string {
  return readFileSync(`${ROOT}${path}`, 'utf8');
}

export function readYaml(path: string): Record<string, unknown> {
  const value: unknown = parse(readText(path));
  if (!isRecord(value)) throw new Error(`${path}: not a mapping`);
  return value as Record<string, unknown>;
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Tracked files plus untracked, not-ignored ones (a new file counts before it is committed). */
export function repoFiles(): string[] {
  return git('ls-files', '--cached', '--others', '--exclude-standard', '-z').split('\0').filter(Boolean);
}

/** The git file mode (`100644`, `100755`, ...) of a tracked file, or undefined when it is not tracked. */
export function gitMode(path: string): string | undefined {
  const line = git('ls-files', '-s', '--', path).trim();
  return line ? line.split(/\s+/)[0] : undefined;
}
