/**
 * Domain errors shared by the core modules. They carry meaning, not HTTP: `http/auth.ts` and the
 * error funnel map them to statuses (docs/ARCHITECTURE.md §5.11). This file imports nothing.
 */

/** The token was checked and rejected (by core, or because it is malformed). */
export class InvalidTokenError extends Error {
  constructor(message = 'Invalid access token') {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

/** Too many failed token checks from one client; retry after `retryAfterMs`. Protects core's IP ban counter. */
export class TooManyAttemptsError extends Error {
  constructor(readonly retryAfterMs: number) {
    super('Too many failed authentication attempts');
    this.name = 'TooManyAttemptsError';
  }
}

/** Home Assistant cannot be reached right now, so a token could not be checked. */
export class UpstreamUnavailableError extends Error {
  constructor(message = 'Home Assistant is not reachable') {
    super(message);
    this.name = 'UpstreamUnavailableError';
  }
}
