/**
 * Authentication for both listeners.
 *
 * - Ingress listener in add-on mode: only the Supervisor (socket address 172.30.32.2, never
 *   X-Forwarded-For) may connect; the user comes from `X-Remote-User-*` and is an admin (the
 *   panel is admin-only). Outside add-on mode the ingress listener behaves like the LAN one.
 * - LAN listener: a Home Assistant token from `Authorization: Bearer`, a `token` body field
 *   (POST /subscribe_events, POST /get_sse_stats), or, only where a client cannot send a header
 *   (`EventSource` on /subscribe_events, a browser's WebSocket on /ws), the `token` query
 *   parameter; checked by a {@link UserResolver} (cached, rate limited). A query token anywhere
 *   else is refused (400 `token_in_url`): URLs end up in logs, histories and proxies.
 */
import type { IncomingMessage } from 'node:http';
import type Koa from 'koa';
import type { User } from '../base/types.ts';
import { InvalidTokenError, TooManyAttemptsError, UpstreamUnavailableError } from '../base/errors.ts';
import { HttpError, badRequest, forbidden, serviceUnavailable, unauthorized } from './errors.ts';
import { listenerOf } from './listeners.ts';
import { clientAddress, peerAddress } from './client-address.ts';

/** Token → user (implemented by ha/users.ts). Throws the domain errors of `errors.ts`. */
export interface UserResolver {
  resolve(token: string, clientKey: string): Promise<User>;
}

export interface AuthOptions {
  resolver: UserResolver;
  /** True in add-on mode: the ingress listener trusts the Supervisor's headers. */
  trustIngress: boolean;
  /** The Supervisor's address on the hassio network; tests may point it at loopback. */
  ingressAddress?: string;
}

/** Where a request's identity came from. */
export type AuthSource = 'ingress' | 'token';

export interface AuthState {
  user: User;
  authSource: AuthSource;
  /** Per-client key for rate limits: the user id for token users, the IP otherwise. */
  clientKey: string;
}

export const SUPERVISOR_ADDRESS = '172.30.32.2';

export { peerAddress } from './client-address.ts';

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** The only paths whose clients may need the token in the URL (EventSource, a browser's WebSocket). */
const QUERY_TOKEN_PATHS: ReadonlySet<string> = new Set(['/subscribe_events', '/ws']);

/** The token a request carries, if any: Bearer header first, then `token` query, then the given body field. */
export function tokenOf(req: IncomingMessage, bodyToken?: unknown): string | undefined {
  const authorization = header(req, 'authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw unauthorized('Authorization header must be "Bearer <token>"', 'invalid_auth_header');
    return match[1];
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const query = url.searchParams.get('token');
  if (query) {
    if (!QUERY_TOKEN_PATHS.has(url.pathname)) {
      throw badRequest('Send the token in the Authorization header; ?token= is accepted only on /subscribe_events and /ws', 'token_in_url');
    }
    return query;
  }
  if (typeof bodyToken === 'string' && bodyToken) return bodyToken;
  return undefined;
}

export class Authenticator {
  readonly #ingressAddress: string;

  constructor(readonly options: AuthOptions) {
    this.#ingressAddress = options.ingressAddress ?? SUPERVISOR_ADDRESS;
  }

  /**
   * Identifies the caller or throws an HttpError (401, 403, 429, 503). Works on the raw request so
   * WebSocket upgrades (`ws-api.ts`) authenticate exactly like HTTP requests.
   * `bodyToken` lets POST endpoints accept `{token}` in their JSON body.
   */
  async authenticate(req: IncomingMessage, bodyToken?: unknown): Promise<AuthState> {
    if (this.options.trustIngress && listenerOf(req) === 'ingress') return this.#ingressUser(req);
    const token = tokenOf(req, bodyToken);
    if (!token) throw unauthorized('A Home Assistant access token is required', 'missing_token');
    // The failed-token ban is per client: behind a trusted proxy, the forwarded client's address.
    const ip = clientAddress(req);
    try {
      const user = await this.options.resolver.resolve(token, ip);
      return { user, authSource: 'token', clientKey: user.id };
    } catch (err) {
      throw authErrorToHttp(err);
    }
  }

  #ingressUser(req: IncomingMessage): AuthState {
    if (peerAddress(req) !== this.#ingressAddress) {
      throw forbidden('The ingress port only accepts requests from the Supervisor', 'ingress_forbidden');
    }
    const id = header(req, 'x-remote-user-id') || 'ingress';
    const name =
      header(req, 'x-remote-user-display-name') || header(req, 'x-remote-user-name') || 'Home Assistant user';
    return { user: { id, name, isAdmin: true }, authSource: 'ingress', clientKey: `ingress:${id}` };
  }
}

/** What a client is told when a token cannot be checked; the reason is logged by the resolver. */
export const UPSTREAM_UNAVAILABLE_MESSAGE = 'Home Assistant is not reachable right now; try again later';

/** Maps the domain errors of `errors.ts` to HTTP errors (also used by the WebSocket API). */
export function authErrorToHttp(err: unknown): Error {
  if (err instanceof HttpError) return err;
  if (err instanceof InvalidTokenError) return unauthorized(err.message, 'invalid_token');
  if (err instanceof TooManyAttemptsError) {
    const seconds = Math.max(1, Math.ceil(err.retryAfterMs / 1000));
    return new HttpError(429, 'too_many_auth_failures', err.message, { 'Retry-After': String(seconds) });
  }
  // The domain error's message names addresses and library errors: those go to the log, not to the client.
  if (err instanceof UpstreamUnavailableError) return serviceUnavailable(UPSTREAM_UNAVAILABLE_MESSAGE, 'upstream_unavailable', 5);
  return err instanceof Error ? err : new Error(String(err));
}

/** 403 `admin_required` unless the user is an admin; `what` names the API in the message. */
export function assertAdmin(state: AuthState, what = 'This endpoint'): AuthState {
  if (!state.user.isAdmin) throw forbidden(`${what} is for Home Assistant administrators`, 'admin_required');
  return state;
}

/** Koa middleware for the admin JSON endpoints: authenticates, requires an admin, stores the {@link AuthState} in `ctx.state.auth`. */
export function requireAdmin(auth: Authenticator): Koa.Middleware {
  return async (ctx, next) => {
    ctx.state.auth = assertAdmin(await auth.authenticate(ctx.req));
    await next();
  };
}
