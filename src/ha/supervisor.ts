/**
 * The Supervisor API calls the add-on needs (docs/home-assistant.md §14): `GET /core/info` tells where core
 * listens, so user tokens can be checked against core directly (the Supervisor proxy only accepts
 * add-on tokens, docs/home-assistant.md §15).
 */
import { UpstreamUnavailableError } from '../errors.ts';

export interface CoreInfoOptions {
  /** `http://supervisor` in production. */
  supervisorUrl: string;
  /** SUPERVISOR_TOKEN; sent as Bearer, never logged or put in an error. */
  token: string;
  timeoutMs?: number;
}

/** Core's base URL as seen from an add-on: `http(s)://homeassistant:<port>`. */
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
  const data = (body as { result?: unknown; data?: { port?: unknown; ssl?: unknown } } | null)?.data;
  if ((body as { result?: unknown } | null)?.result !== 'ok' || typeof data?.port !== 'number') {
    throw new UpstreamUnavailableError('Supervisor /core/info answered without a port');
  }
  return `${data.ssl === true ? 'https' : 'http'}://homeassistant:${data.port}`;
}
