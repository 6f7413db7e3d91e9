/**
 * `GET /api/sse/registries` (docs/api.md), admins only: the ids and names of core's areas, floors,
 * labels and devices as the hub last read them (src/ha/registry/), for pickers such as the panel's
 * event tail (`area=`, `label=`, `device_id=`). Entities are not listed: a stream's `entity_id=`
 * takes globs, and a home's entity list is large. Sorted by name, as Home Assistant shows them.
 */
import Router from '@koa/router';
import type { RegistryLists } from '../../ha/registry/registry-lists.ts';
import { registriesView } from '../../ha/registry/registry-view.ts';
import { type Authenticator, requireAdmin } from '../auth.ts';
import { respond } from '../envelope.ts';

export interface RegistriesRouterOptions {
  auth: Authenticator;
  /** The registries as last read (empty before the first read). */
  lists: () => RegistryLists;
}

export function registriesRouter({ auth, lists }: RegistriesRouterOptions): Router {
  const router = new Router();
  router.get('/api/sse/registries', requireAdmin(auth), (ctx) => {
    respond(ctx, registriesView(lists()));
  });
  return router;
}
