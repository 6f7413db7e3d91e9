/**
 * The process's open-file limit and usage, from Linux's /proc (undefined elsewhere, or when /proc
 * is not mounted). Every SSE stream holds one socket, so `nofile` bounds the streams a process can
 * hold (src/hub/file-budget.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface OpenFileLimit {
  /** The limit `open()`/`accept()` run into (EMFILE); `Infinity` for "unlimited". */
  soft: number;
  /** What the soft limit may be raised to without privileges. */
  hard: number;
}

const limitValue = (text: string) => (text === 'unlimited' ? Infinity : Number(text));

/** Parses /proc/self/limits: the "Max open files" row (soft, hard, "files"). */
export function parseOpenFileLimit(limits: string): OpenFileLimit | undefined {
  const row = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)\s+files\s*$/m.exec(limits);
  if (!row) return undefined;
  const soft = limitValue(row[1]!);
  const hard = limitValue(row[2]!);
  return Number.isNaN(soft) || Number.isNaN(hard) ? undefined : { soft, hard };
}

/** The effective limit now (Node raised the soft limit to the hard one at start, where it could). */
export function readOpenFileLimit(path = '/proc/self/limits'): OpenFileLimit | undefined {
  try {
    return parseOpenFileLimit(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Descriptors open now (/proc/self/fd, less the one reading the directory); undefined without /proc. */
export function countOpenFiles(path = '/proc/self/fd'): number | undefined {
  try {
    return Math.max(0, readdirSync(path).length - 1);
  } catch {
    return undefined;
  }
}
