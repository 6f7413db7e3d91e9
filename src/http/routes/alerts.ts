/**
 * Alert endpoints, admins only:
 * - `GET /api/sse/alerts`: alerts firing now → `data:{alerts, total}`
 * - `GET /api/sse/alerts/history?limit=1..1000` (default 100), newest first → `data:{alerts, total}`
 * - `GET /api/sse/alerts/thresholds` → `data:{thresholds, defaults, overrides, persisted}`
 * - `PUT /api/sse/alerts/thresholds` with any subset of the threshold keys (a number sets an
 *   override that survives restarts, `null` goes back to the add-on option); 400 on unknown keys
 *   or values out of range.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { alertList } from '../../alerts/alert-view.ts';
import type { AlertEngine } from '../../alerts/engine.ts';
import { thresholdsUpdateSchema } from '../../alerts/rules.ts';
import { type Authenticator, requireAdmin } from '../auth.ts';
import { readJsonBody } from '../body.ts';
import { respond } from '../envelope.ts';
import { badRequest } from '../errors.ts';

export interface AlertsRouterOptions {
  auth: Authenticator;
  alerts: AlertEngine;
}

const limitSchema = z.coerce.number().int().min(1).max(1000).default(100);

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; ');
}

export function alertsRouter({ auth, alerts }: AlertsRouterOptions): Router {
  const router = new Router();
  const admin = requireAdmin(auth);

  router.get('/api/sse/alerts', admin, (ctx) => {
    respond(ctx, alertList(alerts.active()));
  });
  router.get('/api/sse/alerts/history', admin, (ctx) => {
    const limit = limitSchema.safeParse(ctx.query.limit);
    if (!limit.success) throw badRequest(`limit: ${limit.error.issues[0]?.message ?? 'invalid'}`, 'invalid_limit');
    respond(ctx, alertList(alerts.history(limit.data)));
  });
  router.get('/api/sse/alerts/thresholds', admin, (ctx) => {
    respond(ctx, alerts.thresholds());
  });
  router.put('/api/sse/alerts/thresholds', admin, async (ctx) => {
    const parsed = thresholdsUpdateSchema.safeParse(await readJsonBody(ctx));
    if (!parsed.success) throw badRequest(issues(parsed.error), 'invalid_thresholds');
    respond(ctx, alerts.updateThresholds(parsed.data));
  });
  return router;
}
