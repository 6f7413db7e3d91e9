/**
 * Statistics endpoints (DOCS.md), all for admins, all `{success:true, data}`:
 * - `POST /get_sse_stats` (token in the JSON body or the header) and `GET /api/sse/stats`
 * - `GET /api/sse/metrics?period=1h|24h|7d|30d` (no period = 1h; anything else → 400)
 * - `GET /api/sse/history?period=…`: minute points for 1h/24h, hour points for 7d/30d
 * - `GET /api/sse/performance`: process figures, memory trend with leak suspicion, insights
 * - `GET /api/admin/sse-monitor`: handler type, instance id, local/global connections and users
 * The answers come from {@link StatsService}; this file only translates HTTP.
 */
import Router from '@koa/router';
import type Koa from 'koa';
import { InvalidPeriodError, parsePeriod, type Period } from '../../metrics/period.ts';
import type { StatsService } from '../../stats/service.ts';
import { type Authenticator, assertAdmin, requireAdmin, tokenOf } from '../auth.ts';
import { readJsonBody } from '../body.ts';
import { respond } from '../envelope.ts';
import { badRequest } from '../errors.ts';

export interface StatsRouterOptions {
  auth: Authenticator;
  stats: StatsService;
}

/** The `period` query parameter; 400 `invalid_period` unless it is one of the periods. */
export function periodOf(ctx: Koa.Context): Period {
  try {
    return parsePeriod(ctx.query.period);
  } catch (err) {
    if (err instanceof InvalidPeriodError) throw badRequest(err.message, 'invalid_period');
    throw err;
  }
}

export function statsRouter({ auth, stats }: StatsRouterOptions): Router {
  const router = new Router();
  const admin = requireAdmin(auth);

  router.post('/get_sse_stats', async (ctx) => {
    // Authenticated before the body is read when the token is not in it (header or query).
    const state = tokenOf(ctx.req) ? await auth.authenticate(ctx.req) : await auth.authenticate(ctx.req, (await readJsonBody(ctx)).token);
    assertAdmin(state);
    respond(ctx, stats.stats());
  });
  router.get('/api/sse/stats', admin, (ctx) => respond(ctx, stats.stats()));
  router.get('/api/sse/metrics', admin, (ctx) => respond(ctx, stats.metrics(periodOf(ctx))));
  router.get('/api/sse/history', admin, (ctx) => respond(ctx, stats.history(periodOf(ctx))));
  router.get('/api/sse/performance', admin, (ctx) => respond(ctx, stats.performance()));
  router.get('/api/admin/sse-monitor', admin, async (ctx) => respond(ctx, await stats.monitor()));
  return router;
}
