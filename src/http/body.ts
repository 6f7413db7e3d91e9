/** Reads a JSON request body with a size limit; bad JSON → 400, too large → 413, client gone → {@link RequestAbortedError}. */
import type Koa from 'koa';
import { HttpError, RequestAbortedError, badRequest, payloadTooLarge } from './errors.ts';

export const DEFAULT_BODY_LIMIT = 64 * 1024;

export async function readJsonBody(ctx: Koa.Context, limit = DEFAULT_BODY_LIMIT): Promise<Record<string, unknown>> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limit) throw payloadTooLarge(`Request body exceeds ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw payloadTooLarge(`Request body exceeds ${limit} bytes`);
      chunks.push(chunk);
    }
  } catch (err) {
    // The client went away mid-body (Node's `aborted`/ECONNRESET): its doing, not ours.
    if (ctx.req.destroyed && !(err instanceof HttpError)) throw new RequestAbortedError();
    throw err;
  }
  if (size === 0) return {};
  const type = ctx.get('Content-Type');
  const text = Buffer.concat(chunks).toString('utf8');
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('Request body is not valid JSON', 'invalid_json');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest('Request body must be a JSON object', 'invalid_json');
  }
  return parsed as Record<string, unknown>;
}
