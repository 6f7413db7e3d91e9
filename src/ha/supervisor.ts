/**
 * The Supervisor API calls the add-on needs (docs/home-assistant.md §14): `GET /core/info` tells where core
 * listens, so user tokens can be checked against core directly (the Supervisor proxy only accepts
 * add-on tokens, docs/home-assistant.md §15).
 */
import { isIP } from 'node:net';
import { UpstreamUnavailableError } from '../base/errors.ts';

/**
 * The peer address ingress requests must come from: the host of `SUPERVISOR_URL` when it is an IP
 * address (a Supervisor elsewhere, or the loopback one of the add-on end-to-end test); undefined
 * otherwise, for the Supervisor's fixed address on the add-on network (`SUPERVISOR_ADDRESS` in src/http/auth.ts).
 */
export function supervisorPeerAddress(supervisorUrl: string): string | undefined {
  const host = new URL(supervisorUrl).hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? host : undefined;
}

export interface CoreInfoOptions {
  /** `http://supervisor` in production. */
  supervisorUrl: string;
  /** SUPERVISOR_TOKEN; sent as Bearer, never logged or put in an error. */
  token: string;
  timeoutMs?: number;
}

/** Core's base URL as seen from an add-on: `http(s)://<ip_address>:<port>` (`homeassistant` without an address). */
export async function fetchCoreBaseUrl({ supervisorUrl, token, timeoutMs = 5000 }: CoreInfoOptions): Promise<string> {
  let body: unknown;
  try {
    const res = await fetch(`${supervisorUrl.replace(/\/+$/, '')}/core/info`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (err) {
    throw new UpstreamUnavailableError(`Supervisor /core/info failed (${err instanceof Error ? err.message : 'unknown error'})`);
  }
  const data = (body as { result?: unknown; data?: { port?: unknown; ssl?: unknown; ip_address?: unknown } } | null)?.data;
  if ((body as { result?: unknown } | null)?.result !== 'ok' || typeof data?.port !== 'number') {
    throw new UpstreamUnavailableError('Supervisor /core/info answered without a port');
  }
  // The address /core/info gives (`ip_address`, core's address on the add-on network); the
  // `homeassistant` host name when it gives none.
  const ip = typeof data.ip_address === 'string' && isIP(data.ip_address) ? data.ip_address : '';
  const host = ip === '' ? 'homeassistant' : isIP(ip) === 6 ? `[${ip}]` : ip;
  return `${data.ssl === true ? 'https' : 'http'}://${host}:${data.port}`;
}
