/**
 * `GET /client.js` and `/client.js.map`: the client library for pages that import it straight
 * from the hub (`import { connect } from 'http://<host>:3000/client.js'`). Public code, so no
 * token; `Access-Control-Allow-Origin: *` because module scripts from another origin are fetched
 * in CORS mode. Loaded once, on first request; revalidated with an ETag.
 */
import { createHash } from 'node:crypto';
import Router from '@koa/router';
import type Koa from 'koa';
import type { ClientScript } from '../../web/client-bundle.ts';
import { serviceUnavailable } from '../errors.ts';

export interface ClientScriptRouterOptions {
  /** Produces the bundle (called once; a failure is retried on the next request). */
  load(): Promise<ClientScript>;
  /** Seconds browsers may reuse the file without asking. Default 300. */
  maxAgeSeconds?: number;
  /** Told when loading fails (the request gets a 503). */
  onError?(err: unknown): void;
}

interface Served {
  body: string;
  etag: string;
}

export function clientScriptRouter(options: ClientScriptRouterOptions): Router {
  const maxAge = options.maxAgeSeconds ?? 300;
  let loading: Promise<{ script: Served; map: Served }> | undefined;
  const served = () =>
    (loading ??= options.load().then(
      ({ code, map }) => ({ script: withEtag(code), map: withEtag(map) }),
      (err: unknown) => {
        loading = undefined;
        throw err;
      },
    ));

  const answer = (pick: 'script' | 'map', type: string) => async (ctx: Koa.Context) => {
    let files: { script: Served; map: Served };
    try {
      files = await served();
    } catch (err) {
      options.onError?.(err);
      throw serviceUnavailable('The client library is not available', 'client_unavailable');
    }
    const file = files[pick];
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Cache-Control', `public, max-age=${maxAge}`);
    ctx.set('ETag', file.etag);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = type;
    if (ctx.get('If-None-Match').split(',').some((tag) => tag.trim() === file.etag)) {
      ctx.status = 304;
      return;
    }
    ctx.body = file.body;
  };

  const router = new Router();
  router.get('/client.js', answer('script', 'text/javascript; charset=utf-8'));
  router.get('/client.js.map', answer('map', 'application/json; charset=utf-8'));
  return router;
}

function withEtag(body: string): Served {
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}
