/**
 * The panel's HTTP calls: relative URLs only (ingress serves the page under a path prefix), the
 * token (LAN port only) from sessionStorage in an `Authorization` header, never in a URL.
 */
const TOKEN_KEY = 'sse-hub-token';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function storedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function storeToken(token: string | undefined): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Calls the hub's JSON API; resolves with `data`, rejects with {@link ApiError}. A 401 also fires `sse-hub-unauthorized` on window. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = storedToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError('The add-on cannot be reached', 0, 'network_error');
  }
  const json = (await res.json().catch(() => undefined)) as { success?: boolean; data?: T; message?: string; error_code?: string } | undefined;
  if (!res.ok || !json?.success) {
    const error = new ApiError(json?.message ?? `HTTP ${res.status}`, res.status, json?.error_code ?? 'http_error');
    if (res.status === 401) window.dispatchEvent(new CustomEvent('sse-hub-unauthorized', { detail: error }));
    throw error;
  }
  return json.data as T;
}
