/**
 * `GET /healthz` for the Docker HEALTHCHECK: 200 while the process serves, with the upstream state
 * for humans and, when the open-file limit is too low for `max_clients`, `file_limit` (the process
 * still serves: fewer streams than configured are accepted).
 */
import Router from '@koa/router';
import { z } from 'zod';
import type { FileLimitShortfall } from '../../hub/file-budget.ts';
import type { UpstreamState } from '../../base/types.ts';
import { respond } from '../envelope.ts';

/** The answer's `data`; the type derives from it and `src/http/openapi.ts` publishes it. */
export const healthDataSchema = z.strictObject({
  status: z.literal('ok'),
  upstream: z.enum(['connected', 'disconnected', 'starting']),
  // src/hub/file-budget.ts: present only while the open-file limit is below what max_clients needs.
  file_limit: z
    .strictObject({ open_files_limit: z.number().int().nonnegative(), open_files_needed: z.number().int().nonnegative(), streams_allowed: z.number().int().nonnegative() })
    .optional(),
});
export type HealthData = z.infer<typeof healthDataSchema>;

export interface HealthSource {
  /** Undefined before the upstream exists. */
  upstream(): UpstreamState | undefined;
  /** The open-file shortfall, undefined when there is none. */
  fileLimit?: () => FileLimitShortfall | undefined;
}

export function healthRouter(source: HealthSource): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    const fileLimit = source.fileLimit?.();
    respond(ctx, { status: 'ok', upstream: source.upstream() ?? 'starting', ...(fileLimit ? { file_limit: fileLimit } : {}) } satisfies HealthData);
  });
  return router;
}
