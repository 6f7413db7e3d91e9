/**
 * The Koa application: one error funnel, request logging with secrets masked, CORS for the
 * configured origins, and the routers the composition root hands in. The same app serves the
 * LAN and the ingress listener; `listeners.ts` tags each request with the listener it came from.
 */
import Koa from 'koa';
import type Router from '@koa/router';
import type { Logger } from '../base/log.ts';
import { redactUrl } from '../base/log.ts';
import { HttpError, RequestAbortedError, envelope } from './errors.ts';

export interface AppOptions {
  logger: Logger;
  routers: readonly Router[];
  /** Origins allowed by CORS; empty = none. */
  corsOrigins: readonly string[];
}

export function createApp({ logger, routers, corsOrigins }: AppOptions): Koa {
  const app = new Koa();
  // Koa's own X-Forwarded-* handling stays off: client addresses come from client-address.ts,
  // which believes only `trusted_proxies`; ingress identity comes from the socket address.
  app.proxy = false;
  app.silent = true; // errors are logged here, not by Koa's default console handler

  app.use(errorFunnel(logger));
  app.use(cors(corsOrigins));
  app.use(unanswered);
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods());
  return app;
}

/**
 * Turns what the routers left unanswered into errors for the funnel: 404 when no route matched,
 * 405 (with the `Allow` header `allowedMethods` set) and 501 for unknown methods. It wraps the
 * routers instead of following them: `allowedMethods` inspects the result of `next()`, so a
 * terminal middleware that throws would hide every 405 and OPTIONS answer. Streams that took over
 * the socket (`ctx.respond = false`) are left alone.
 */
async function unanswered(ctx: Koa.Context, next: Koa.Next): Promise<void> {
  await next();
  if (ctx.body != null || ctx.respond === false || ctx.headerSent) return;
  if (ctx.status === 404) throw new HttpError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}`);
  if (ctx.status === 405) throw new HttpError(405, 'method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}`);
  if (ctx.status === 501) throw new HttpError(501, 'not_implemented', `${ctx.method} is not implemented`);
}

/** Turns every thrown error into `{success:false, message, error_code}`; unknown errors become a 500 with a safe message. */
function errorFunnel(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } catch (err) {
      if (err instanceof RequestAbortedError) {
        logger.debug({ method: ctx.method, url: redactUrl(ctx.url) }, 'request aborted by the client');
        ctx.respond = false; // the socket is gone: no envelope, and nothing to write it to
        return;
      }
      const error = toHttpError(err);
      if (error.code === 'internal_error') {
        logger.error({ err, method: ctx.method, url: redactUrl(ctx.url) }, 'request failed');
      }
      if (ctx.headerSent || !ctx.writable) return;
      ctx.status = error.status;
      ctx.set(error.headers);
      ctx.body = envelope(error);
    } finally {
      if (ctx.respond !== false) {
        logger.debug(
          { method: ctx.method, url: redactUrl(ctx.url), status: ctx.status, ms: +(performance.now() - started).toFixed(1) },
          'request',
        );
      }
    }
  };
}

/** Maps Koa's own errors (405/501 from allowedMethods, body parsing) and unknown errors to HttpError. */
function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const status = (err as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = status === 405 ? 'method_not_allowed' : status === 413 ? 'payload_too_large' : 'invalid_request';
    return new HttpError(status, code, (err as Error).message || 'Bad request');
  }
  return new HttpError(500, 'internal_error', 'Internal server error');
}

function cors(origins: readonly string[]): Koa.Middleware {
  const allowed = new Set(origins);
  const any = allowed.has('*');
  // With a list of origins every answer depends on the Origin header (allowed or not): caches must know.
  const dependsOnOrigin = allowed.size > 0 && !any;
  return async (ctx, next) => {
    if (dependsOnOrigin) ctx.vary('Origin');
    const origin = ctx.get('Origin');
    if (origin && (allowed.has(origin) || any)) {
      ctx.set('Access-Control-Allow-Origin', any ? '*' : origin);
      ctx.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, Last-Event-ID');
      ctx.set('Access-Control-Allow-Methods', 'GET, HEAD, POST, PUT, DELETE, OPTIONS');
      ctx.set('Access-Control-Expose-Headers', 'X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After');
      if (ctx.method === 'OPTIONS') {
        ctx.status = 204;
        return;
      }
    }
    await next();
  };
}
