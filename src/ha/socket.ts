/**
 * Opens one websocket to core and runs the auth phase (docs/home-assistant.md §2): wait for `auth_required`,
 * send `auth`, then `auth_ok` hands the socket over to the command phase, `auth_invalid` rejects.
 * Shared by the long-lived {@link HaConnection} and the short-lived token checks of `users.ts`.
 */
import { WebSocket } from 'ws';
import { HaAuthInvalidError, HaConnectError, HaUpgradeRejectedError } from './errors.ts';
import { auth, parseFrame } from './messages.ts';
import { wsMessageText } from '../base/ws-text.ts';
import { systemTimers, type Timers } from '../base/timers.ts';

export interface OpenSocketOptions {
  /** `ws(s)://…/api/websocket` (or the Supervisor proxy's `ws://supervisor/core/websocket`). */
  url: string;
  /** Access token; sent only inside the `auth` message, never logged. */
  token: string;
  /** Upgrade plus auth phase must finish within this many ms (core itself waits 10 s for `auth`). */
  timeoutMs: number;
  /** Aborting gives up the attempt (rejects with {@link HaConnectError}). */
  signal?: AbortSignal;
  /** For the auth-phase deadline. Default: Node's timers (unref'd). */
  timers?: Timers;
}

export interface AuthenticatedSocket {
  ws: WebSocket;
  haVersion: string;
}

/**
 * Resolves with an authenticated socket, or rejects with {@link HaAuthInvalidError} (token refused),
 * {@link HaUpgradeRejectedError} (HTTP status on upgrade; 502 = core restarting) or
 * {@link HaConnectError} (refused, closed early, timed out, malformed auth phase).
 */
export function openAuthenticatedSocket({ url, token, timeoutMs, signal, timers = systemTimers() }: OpenSocketOptions): Promise<AuthenticatedSocket> {
  return new Promise((resolve, reject) => {
    // Core → client frames are not capped by core; the Supervisor proxy allows 64 MiB (docs/home-assistant.md §12).
    // No permessage-deflate offer: core's aiohttp WebSocketResponse accepts it by default, and then
    // every event is deflated by core and inflated here (zlib on the thread pool, per message), on a
    // link that never leaves the box: CPU on both sides of a Raspberry Pi for nothing (issue 23).
    const ws = new WebSocket(url, { handshakeTimeout: timeoutMs, maxPayload: 64 * 1024 * 1024, perMessageDeflate: false });
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      timers.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      ws.removeAllListeners('message');
      // Keep an error listener: ws emits errors while tearing down an aborted handshake.
      ws.on('error', () => {});
      ws.terminate();
      reject(err);
    };
    const timer = timers.setTimeout(() => fail(new HaConnectError(`auth phase did not finish within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => fail(new HaConnectError('connection attempt aborted'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    ws.on('unexpected-response', (req, res) => {
      res.resume();
      req.destroy();
      fail(new HaUpgradeRejectedError(res.statusCode ?? 0));
    });
    ws.on('error', (err) => fail(new HaConnectError(`cannot connect: ${err.message}`, { cause: err })));
    ws.on('close', (code) => fail(new HaConnectError(`socket closed during the auth phase (code ${code})`)));
    ws.on('message', (data, isBinary) => {
      const text = wsMessageText(data, isBinary);
      const [message] = text === null ? [] : parseFrame(text).messages;
      if (!message) return fail(new HaConnectError('malformed message during the auth phase'));
      switch (message.type) {
        case 'auth_required':
          ws.send(JSON.stringify(auth(token)));
          return;
        case 'auth_ok':
          settled = true;
          timers.clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          ws.removeAllListeners();
          resolve({ ws, haVersion: message.ha_version ?? 'unknown' });
          return;
        case 'auth_invalid':
          fail(new HaAuthInvalidError(message.message ?? 'auth_invalid'));
          return;
        default:
          fail(new HaConnectError(`unexpected ${message.type} message during the auth phase`));
      }
    });
  });
}
