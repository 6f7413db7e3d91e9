/**
 * `GET /healthz` for the Docker HEALTHCHECK: 200 while the process serves, with the upstream state
 * for humans and, when the open-file limit is too low for `max_clients`, `file_limit` (the process
 * still serves: fewer streams than configured are accepted).
 */
import Router from '@koa/router';
import type { FileLimitShortfall } from '../../hub/file-budget.ts';
import { respond } from '../envelope.ts';

export interface HealthSource {
  /** `connected` / `disconnected`, or undefined before the upstream exists. */
  upstream(): string | undefined;
  /** The open-file shortfall, undefined when there is none. */
  fileLimit?: () => FileLimitShortfall | undefined;
}

export function healthRouter(source: HealthSource): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    const fileLimit = source.fileLimit?.();
    respond(ctx, { status: 'ok', upstream: source.upstream() ?? 'starting', ...(fileLimit ? { file_limit: fileLimit } : {}) });
  });
  return router;
}
