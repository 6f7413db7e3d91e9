/**
 * Reconnect delays: capped exponential backoff with "equal jitter" (half fixed, half random), so a
 * restarting core is not hit by every client at the same instant and a long outage costs at most one
 * attempt per `capMs`.
 */

export interface BackoffOptions {
  /** First delay's upper bound in ms. */
  baseMs: number;
  /** Largest delay in ms. */
  capMs: number;
}

/**
 * The delay before reconnect attempt `attempt` (0 = first retry after a loss): a value in
 * `[ceiling/2, ceiling]` where `ceiling = min(capMs, baseMs * 2^attempt)`.
 * `random` returns a number in [0, 1) (Math.random by default; tests pass their own).
 */
export function backoffDelay(attempt: number, { baseMs, capMs }: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}
