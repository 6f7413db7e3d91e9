/**
 * How many streams the open-file limit leaves room for. Each stream holds one socket; the process
 * also needs descriptors for what it has open at start (listeners, SQLite, the link to core, stdio,
 * libuv's own) and for short-lived ones (HTTP requests, `/ws` clients, token checks, sensor
 * writes). `max_clients` goes up to 10 000, while a container's `nofile` limit is often 1024, so
 * without this budget streams past the limit would fail with EMFILE, and so would everything
 * else the process opens (an SQLite write, an accept on the other listener).
 *
 * `start()` reads the effective limit (/proc/self/limits) and the descriptors open at that moment.
 * When the soft limit is below `max_clients` + what is open + the margin, it logs once and the hub
 * refuses streams past `limit − open − margin` with 503 `file_limit_reached` (DOCS.md "Errors");
 * `/healthz` reports the shortfall. Without /proc (not Linux) nothing is limited.
 */
import type { Logger } from '../base/log.ts';
import { countOpenFiles, readOpenFileLimit, type OpenFileLimit } from '../base/open-files.ts';

export interface FileBudgetOptions {
  /** `max_clients`. */
  maxClients: number;
  logger: Logger;
  /** Descriptors kept free for short-lived use. Default: 64, or 5 % of `max_clients` when larger. */
  marginFiles?: number;
  /** Reads the limit. Default: /proc/self/limits. */
  readLimit?: () => OpenFileLimit | undefined;
  /** Counts the descriptors open now. Default: /proc/self/fd. */
  countOpen?: () => number | undefined;
}

/** The shortfall, as `/healthz` shows it (absent when the limit is large enough). */
export interface FileLimitShortfall {
  /** The effective soft `nofile` limit. */
  open_files_limit: number;
  /** What `max_clients` streams need: `max_clients` + descriptors open at start + the margin. */
  open_files_needed: number;
  /** Streams accepted before 503 `file_limit_reached`. */
  streams_allowed: number;
}

export class FileBudget {
  readonly #options: FileBudgetOptions;
  #shortfall: FileLimitShortfall | undefined;

  constructor(options: FileBudgetOptions) {
    this.#options = options;
  }

  start(): void {
    const { maxClients, logger } = this.#options;
    const limit = (this.#options.readLimit ?? readOpenFileLimit)();
    const open = (this.#options.countOpen ?? countOpenFiles)();
    this.#shortfall = undefined;
    if (!limit || open === undefined || !Number.isFinite(limit.soft)) return;
    const margin = this.#options.marginFiles ?? Math.max(64, Math.ceil(maxClients * 0.05));
    const needed = maxClients + open + margin;
    if (limit.soft >= needed) return;
    const allowed = Math.max(0, limit.soft - open - margin);
    this.#shortfall = { open_files_limit: limit.soft, open_files_needed: needed, streams_allowed: allowed };
    logger.warn(
      { openFilesLimit: limit.soft, hardLimit: limit.hard, openAtStart: open, maxClients, streamsAllowed: allowed },
      `the open-file limit (${String(limit.soft)}) is below max_clients (${String(maxClients)}) plus ${String(open + margin)} for the rest of the process: ` +
        `at most ${String(allowed)} streams will be accepted (503 file_limit_reached past that); raise the container's nofile limit or lower max_clients`,
    );
  }

  /** Streams the limit leaves room for; `Infinity` when it is not short (or unknown). */
  streamsAllowed(): number {
    return this.#shortfall?.streams_allowed ?? Infinity;
  }

  /** The shortfall for `/healthz`, or undefined when the limit is large enough. */
  shortfall(): FileLimitShortfall | undefined {
    return this.#shortfall;
  }
}
