/**
 * The panel (DOCS.md, "The panel"): `GET /` is the page on both listeners (the Supervisor's
 * ingress serves it under `/api/hassio_ingress/<token>/`, so the page uses relative URLs only);
 * `GET /panel/<name>` its hashed assets. The page is never cached; the assets for a year (their
 * names change with their content). Every answer carries the panel's security headers: scripts
 * and styles only from the add-on, no inline script, framing only by the same origin (ingress
 * embeds the panel in Home Assistant's own page, which is the origin the proxied panel has).
 */
import Router from '@koa/router';
import type Koa from 'koa';
import { ASSET_DIR, type PanelFiles } from '../../web/panel-bundle.ts';
import { serviceUnavailable } from '../errors.ts';

export interface PanelRouterOptions {
  /** Produces the files (called once; a failure is retried on the next request). */
  load(): Promise<PanelFiles>;
  /** Told when loading fails (the request gets a 503). */
  onError?(err: unknown): void;
}

export const PANEL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

function securityHeaders(ctx: Koa.Context): void {
  ctx.set('Content-Security-Policy', PANEL_CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'SAMEORIGIN');
  ctx.set('Referrer-Policy', 'no-referrer');
}

export function panelRouter(options: PanelRouterOptions): Router {
  let loading: Promise<PanelFiles> | undefined;
  const files = async (): Promise<PanelFiles> => {
    loading ??= options.load().catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
    try {
      return await loading;
    } catch (err) {
      options.onError?.(err);
      throw serviceUnavailable('The panel is not available', 'panel_unavailable');
    }
  };

  const router = new Router();
  router.get('/', async (ctx) => {
    const { index } = await files();
    securityHeaders(ctx);
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = index;
  });
  router.get(`/${ASSET_DIR}/:name`, async (ctx, next) => {
    const asset = (await files()).assets.get(ctx.params.name ?? '');
    if (!asset) return next(); // the app answers 404
    securityHeaders(ctx);
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.type = asset.type;
    ctx.body = asset.body;
  });
  return router;
}
