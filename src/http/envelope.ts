/**
 * The success envelope every JSON answer carries, `{success:true, data}` (DOCS.md; the error
 * envelope is in `errors.ts`), for the REST routes and the WebSocket API alike.
 */
import type Koa from 'koa';

export interface SuccessEnvelope<T> {
  success: true;
  data: T;
}

export function successEnvelope<T>(data: T): SuccessEnvelope<T> {
  return { success: true, data };
}

/** Answers with `{success:true, data}`. Answers are live figures and settings, so never cached. */
export function respond(ctx: Koa.Context, data: unknown): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.body = successEnvelope(data);
}
