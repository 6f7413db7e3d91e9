/**
 * Errors of the Home Assistant side (docs/ARCHITECTURE.md §5.11). Messages never contain a token: they are safe to
 * log and, where noted, to show to users. The shared domain errors (invalid token, too many
 * attempts, upstream unavailable) live in `../errors.ts`.
 */

/** Core answered `auth_invalid` for the token this process uses upstream. */
export class HaAuthInvalidError extends Error {
  /** @param coreMessage core's own text, e.g. `Invalid access token or password` (never contains the token). */
  constructor(readonly coreMessage: string) {
    super(`Home Assistant rejected the access token: ${coreMessage}`);
    this.name = 'HaAuthInvalidError';
  }
}

/** The websocket upgrade was refused with an HTTP status (502 from the Supervisor = core restarting). */
export class HaUpgradeRejectedError extends Error {
  constructor(readonly status: number) {
    super(
      status === 502
        ? 'Home Assistant is restarting (HTTP 502 on websocket upgrade)'
        : `Home Assistant refused the websocket upgrade with HTTP ${status}`,
    );
    this.name = 'HaUpgradeRejectedError';
  }
}

/** The socket could not be opened or closed before the auth phase finished. */
export class HaConnectError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HaConnectError';
  }
}

/** The connection was lost (or stopped) while a command waited for its result. */
export class HaConnectionLostError extends Error {
  constructor(message = 'Connection to Home Assistant lost') {
    super(message);
    this.name = 'HaConnectionLostError';
  }
}

/** Core answered a command with `success: false`; `code` is core's error code (docs/home-assistant.md §4). */
export class HaCommandError extends Error {
  constructor(
    readonly code: string,
    readonly coreMessage: string,
  ) {
    super(`Home Assistant error ${code}: ${coreMessage}`);
    this.name = 'HaCommandError';
  }
}

/** A REST call to core answered with a non-2xx status. */
export class HaRestError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
  ) {
    super(`Home Assistant REST ${path} answered HTTP ${status}`);
    this.name = 'HaRestError';
  }
}
