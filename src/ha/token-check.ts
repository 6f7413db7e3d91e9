/**
 * Checks one user token against core over a short-lived websocket (docs/home-assistant.md §15): auth phase,
 * then `auth/current_user`, then close. `null` means core rejected the token.
 */
import type { User } from '../base/types.ts';
import { UpstreamUnavailableError } from '../base/errors.ts';
import { HaAuthInvalidError } from './errors.ts';
import { currentUser, encodeCommand, parseCurrentUser, parseFrame } from './messages.ts';
import { openAuthenticatedSocket } from './socket.ts';
import { wsMessageText } from '../base/ws-text.ts';
import { systemTimers, type Timers } from '../base/timers.ts';

export interface TokenCheckOptions {
  /** Core's websocket URL (`ws(s)://host:port/api/websocket`). */
  wsUrl: string;
  token: string;
  /** The whole check must finish within this many ms. */
  timeoutMs: number;
  /** The deadline's clock and timers. Default `Date.now` and Node's timers (unref'd). */
  now?: () => number;
  timers?: Timers;
}

/** The token's user, null when core rejects it; {@link UpstreamUnavailableError} when core cannot be asked. */
export async function checkToken({ wsUrl, token, timeoutMs, now = Date.now, timers = systemTimers() }: TokenCheckOptions): Promise<User | null> {
  const deadline = now() + timeoutMs;
  let socket;
  try {
    socket = await openAuthenticatedSocket({ url: wsUrl, token, timeoutMs, timers });
  } catch (err) {
    if (err instanceof HaAuthInvalidError) return null;
    throw new UpstreamUnavailableError(`Home Assistant is not reachable (${err instanceof Error ? err.message : 'unknown error'})`);
  }
  const { ws } = socket;
  try {
    return await new Promise<User>((resolve, reject) => {
      const unavailable = (why: string) => reject(new UpstreamUnavailableError(`Home Assistant is not reachable (${why})`));
      const timer = timers.setTimeout(() => unavailable('auth/current_user timed out'), Math.max(1, deadline - now()));
      ws.on('error', () => {});
      ws.on('close', () => {
        timers.clearTimeout(timer);
        unavailable('closed before answering auth/current_user');
      });
      ws.on('message', (data, isBinary) => {
        const text = wsMessageText(data, isBinary);
        for (const message of text === null ? [] : parseFrame(text).messages) {
          if (message.type !== 'result' || message.id !== 1) continue;
          timers.clearTimeout(timer);
          const user = message.success ? parseCurrentUser(message.result) : null;
          if (user) resolve(user);
          else unavailable('auth/current_user failed');
        }
      });
      ws.send(encodeCommand(1, currentUser()));
    });
  } finally {
    ws.removeAllListeners('close');
    ws.on('error', () => {});
    ws.close(1000);
    timers.setTimeout(() => ws.terminate(), 1000);
  }
}
