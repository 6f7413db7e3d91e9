/**
 * `GET /metrics` in the Prometheus text format.
 *
 * Decision: it requires an admin like every other statistics endpoint. Scrapers send
 * `Authorization: Bearer <long-lived access token of an admin>` (Prometheus' `authorization`
 * scrape setting); the `token` query parameter works too. The figures reveal usage patterns of
 * the home, so they are not public.
 */
import Router from '@koa/router';
import type { PrometheusExporter } from '../../stats/prometheus.ts';
import { type Authenticator, requireAdmin } from '../auth.ts';

export interface PrometheusRouterOptions {
  auth: Authenticator;
  exporter: PrometheusExporter;
}

export function prometheusRouter({ auth, exporter }: PrometheusRouterOptions): Router {
  const router = new Router();
  router.get('/metrics', requireAdmin(auth), async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Type', exporter.contentType);
    ctx.body = await exporter.metrics();
  });
  return router;
}
