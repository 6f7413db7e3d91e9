/** What a stream is told when the server ends it: the `error` code and message per close reason. */
import type { CloseReason } from '../base/types.ts';

export interface CloseNotice {
  code: string;
  message: string;
  /** Whether the retry hint is jittered (the server ends many streams at once). */
  jitter: boolean;
}

/** The notice for each reason; `client_closed` has none (nobody is left to tell). */
export function closeNotice(reason: CloseReason, limits: { inactivityTimeoutMs: number }): CloseNotice | undefined {
  switch (reason) {
    case 'client_closed':
      return undefined;
    case 'slow_consumer':
      return {
        code: 'slow_consumer',
        message: 'The stream was not read fast enough; reconnect to resume from the last event received',
        jitter: false,
      };
    case 'inactive':
      return {
        code: 'inactive',
        message: `The stream did not drain for ${Math.round(limits.inactivityTimeoutMs / 1000)} s`,
        jitter: false,
      };
    case 'max_age':
      return { code: 'max_connection_age', message: 'The stream reached its maximum age; reconnect', jitter: true };
    case 'server_shutdown':
      return { code: 'server_shutdown', message: 'The server is shutting down; reconnect in a moment', jitter: true };
    case 'admin_closed':
      return { code: 'connection_closed', message: 'An administrator closed this stream', jitter: false };
    case 'error':
      return { code: 'internal_error', message: 'The stream failed', jitter: false };
  }
}
