/**
 * Errors with meaning (docs/ARCHITECTURE.md §5.11): each carries its HTTP status, a stable `error_code`, and whether
 * its message is safe to show. The error funnel in `app.ts` turns them into the JSON envelope
 * `{success:false, message, error_code}`.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. `Retry-After`. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * The client closed the connection before its request was read: nobody is left to answer, and it
 * is no fault of the server. The error funnel logs it at debug level and writes nothing.
 */
export class RequestAbortedError extends Error {
  constructor() {
    super('The client aborted the request');
    this.name = 'RequestAbortedError';
  }
}

export const badRequest = (message: string, code = 'invalid_request') => new HttpError(400, code, message);
export const unauthorized = (message = 'Authentication required', code = 'unauthorized') =>
  new HttpError(401, code, message, { 'WWW-Authenticate': 'Bearer' });
export const forbidden = (message: string, code = 'forbidden') => new HttpError(403, code, message);
export const notFound = (message = 'Not found', code = 'not_found') => new HttpError(404, code, message);
export const payloadTooLarge = (message = 'Request body too large') => new HttpError(413, 'payload_too_large', message);
export const serviceUnavailable = (message: string, code = 'service_unavailable', retryAfterSeconds?: number) =>
  new HttpError(503, code, message, retryAfterSeconds ? { 'Retry-After': String(retryAfterSeconds) } : {});

/** The error envelope every failing JSON response carries. */
export interface ErrorEnvelope {
  success: false;
  message: string;
  error_code: string;
}

export function envelope(error: HttpError): ErrorEnvelope {
  return { success: false, message: error.message, error_code: error.code };
}
