/**
 * `GET /openapi.json` (public: it describes the API, it holds no data). The document is built by
 * `../openapi.ts`, which turns the request and response zod schemas into JSON Schema; that module
 * (≈5 MiB of V8 heap while it builds, `npm run bench -- memory --deps`) is imported on the first
 * request, not with the server: most installations never ask for it (test/lazy-own-modules.test.ts).
 */
import { readFileSync } from 'node:fs';
import Router from '@koa/router';

/** The add-on's version from package.json (three levels up from both src/http/routes and dist/http/routes). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Serves the document, built on the first request and kept as its JSON text. */
export function openapiRouter(version = packageVersion()): Router {
  const router = new Router();
  let body: Promise<string> | undefined;
  router.get('/openapi.json', async (ctx) => {
    body ??= import('../openapi.ts').then(({ openapiDocument }) => JSON.stringify(openapiDocument(version)));
    ctx.type = 'application/json';
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.body = await body;
  });
  return router;
}
