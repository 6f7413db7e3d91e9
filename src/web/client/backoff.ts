/**
 * How long to wait before the next attempt: exponential backoff with full jitter and a cap
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/), never shorter than
 * what the server asked for (`retry:`, `Retry-After`, `retry_after`).
 */

export interface BackoffOptions {
  /** Milliseconds of the first backoff step. Default 1000. */
  baseMs?: number;
  /** Largest jittered backoff in milliseconds (a server hint may exceed it). Default 30000. */
  capMs?: number;
}

export const DEFAULT_BACKOFF = { baseMs: 1000, capMs: 30_000 } as const;

/**
 * `max(hintMs, random() * min(capMs, baseMs * 2^attempt))`. `attempt` counts consecutive attempts
 * that did not open a stream (0 right after a stream that was open); `random` returns [0, 1).
 */
export function reconnectDelay(attempt: number, hintMs: number, random: () => number, options: BackoffOptions = {}): number {
  const baseMs = options.baseMs ?? DEFAULT_BACKOFF.baseMs;
  const capMs = options.capMs ?? DEFAULT_BACKOFF.capMs;
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.max(Math.max(0, hintMs), Math.floor(random() * ceiling));
}

/** Parses `Retry-After` (delta seconds or an HTTP date) into milliseconds from `now`. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header == null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
