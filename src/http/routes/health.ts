/** `GET /healthz` for the Docker HEALTHCHECK: 200 while the process serves, with the upstream state for humans. */
import Router from '@koa/router';
import { z } from 'zod';
import type { UpstreamState } from '../../shared/types.ts';
import { respond } from '../envelope.ts';

/** The answer's `data`; the type derives from it and `src/http/openapi.ts` publishes it. */
export const healthDataSchema = z.strictObject({ status: z.literal('ok'), upstream: z.enum(['connected', 'disconnected', 'starting']) });
export type HealthData = z.infer<typeof healthDataSchema>;

export interface HealthSource {
  /** Undefined before the upstream exists. */
  upstream(): UpstreamState | undefined;
}

export function healthRouter(source: HealthSource): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    respond(ctx, { status: 'ok', upstream: source.upstream() ?? 'starting' } satisfies HealthData);
  });
  return router;
}
