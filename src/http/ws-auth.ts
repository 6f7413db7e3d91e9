/**
 * Home Assistant's own first-message authentication for `/ws` (docs/home-assistant.md §2), for
 * clients that can send no header and should not put the token in the URL: the server says
 * `{"type":"auth_required"}`, the client answers `{"type":"auth","access_token":"…"}`, and gets
 * `{"type":"auth_ok"}` or `{"type":"auth_invalid","message":…}` followed by a close, as core does.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { isRecord } from '../base/is-record.ts';
import { wsMessageText } from '../base/ws-text.ts';
import { type AuthState, type Authenticator, assertAdmin, authErrorToHttp } from './auth.ts';
import { HttpError } from './errors.ts';
import { systemTimers, type Timers } from '../base/timers.ts';

export interface FirstMessageAuthOptions {
  auth: Authenticator;
  /** The upgrade request (its listener and address count, as for HTTP). */
  req: IncomingMessage;
  /** A client that has not authenticated within this many ms is closed. Default 10 000. */
  timeoutMs?: number;
  /** Where the timeout is scheduled. Default: Node's timers (unref'd). */
  timers?: Timers;
}

/** Policy violation: what core's websocket does after `auth_invalid` is close; 1008 says why. */
const CLOSE_POLICY = 1008;

/** Runs the auth phase on an accepted socket; resolves with the admin's state, or undefined after closing it. */
export function authenticateFirstMessage(
  ws: WebSocket,
  { auth, req, timeoutMs = 10_000, timers = systemTimers() }: FirstMessageAuthOptions,
): Promise<AuthState | undefined> {
  return new Promise((resolve) => {
    const fail = (message: string) => {
      timers.clearTimeout(timer);
      ws.send(JSON.stringify({ type: 'auth_invalid', message }));
      ws.close(CLOSE_POLICY, 'authentication failed');
      resolve(undefined);
    };
    const timer = timers.setTimeout(() => fail('No auth message within the time allowed'), timeoutMs);
    ws.once('close', () => {
      timers.clearTimeout(timer);
      resolve(undefined);
    });
    ws.once('message', (data, isBinary) => {
      const text = wsMessageText(data, isBinary);
      let message: unknown;
      try {
        message = text === null ? undefined : JSON.parse(text);
      } catch {
        message = undefined;
      }
      if (!isRecord(message) || message.type !== 'auth' || typeof message.access_token !== 'string' || !message.access_token) {
        return fail('The first message must be {"type":"auth","access_token":"<token>"}');
      }
      auth
        .authenticate(req, message.access_token)
        .then((state) => assertAdmin(state, 'The statistics API'))
        .then((state) => {
          timers.clearTimeout(timer);
          ws.send(JSON.stringify({ type: 'auth_ok' }));
          resolve(state);
        })
        .catch((err: unknown) => {
          const error = authErrorToHttp(err);
          fail(error instanceof HttpError ? error.message : 'Authentication failed');
        });
    });
    ws.send(JSON.stringify({ type: 'auth_required' }));
  });
}
