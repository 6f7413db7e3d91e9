/**
 * Connection management (DOCS.md), admins only: `GET /api/sse/connections`,
 * `GET /api/sse/connections/{id}` and `DELETE /api/sse/connections/{id}` (closes the stream with
 * an `error` event; 404 when there is no such stream). In Redis mode the list is the cluster's
 * (each stream with the instance holding it; `?scope=local` lists this instance's), and GET and
 * DELETE of one stream also reach streams held by other instances.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { connectionViewSchema } from '../../stats/connection-view.ts';
import type { StatsService } from '../../stats/service.ts';
import { type Authenticator, requireAdmin } from '../auth.ts';
import { respond } from '../envelope.ts';
import { notFound } from '../errors.ts';

export interface ConnectionsRouterOptions {
  auth: Authenticator;
  stats: StatsService;
  /** Redis mode: closes a stream another instance holds; false when none does. */
  remote?: (id: string) => Promise<boolean>;
}

/** The `data` of `GET /api/sse/connections/{id}` and of `DELETE` (the list's is in src/stats/answers.ts). */
export const connectionDataSchema = z.strictObject({ connection: connectionViewSchema });
export const closedDataSchema = z.strictObject({ id: z.string(), closed: z.literal(true) });

const missing = () => notFound('Connection not found', 'connection_not_found');

export function connectionsRouter({ auth, stats, remote }: ConnectionsRouterOptions): Router {
  const router = new Router();
  const admin = requireAdmin(auth);

  router.get('/api/sse/connections', admin, async (ctx) => {
    const cluster = ctx.query.scope === 'local' ? undefined : await stats.clusterConnections();
    respond(ctx, cluster ?? stats.connections());
  });
  router.get('/api/sse/connections/:id', admin, async (ctx) => {
    const id = ctx.params.id ?? '';
    const connection = stats.connection(id) ?? (await stats.clusterConnections())?.connections.find((c) => c.id === id);
    if (!connection) throw missing();
    respond(ctx, { connection } satisfies z.infer<typeof connectionDataSchema>);
  });
  router.delete('/api/sse/connections/:id', admin, async (ctx) => {
    const id = ctx.params.id ?? '';
    if (!stats.closeConnection(id) && !(await remote?.(id))) throw missing();
    respond(ctx, { id, closed: true } satisfies z.infer<typeof closedDataSchema>);
  });
  return router;
}
