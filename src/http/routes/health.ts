/** `GET /healthz` for the Docker HEALTHCHECK: 200 while the process serves, with the upstream state for humans. */
import Router from '@koa/router';
import { respond } from '../envelope.ts';

export interface HealthSource {
  /** `connected` / `disconnected`, or undefined before the upstream exists. */
  upstream(): string | undefined;
}

export function healthRouter(source: HealthSource): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    respond(ctx, { status: 'ok', upstream: source.upstream() ?? 'starting' });
  });
  return router;
}
