/**
 * The browser client as the hub serves it (`GET /client.js`): one self-contained ES module and
 * its source map, built from `src/web/client/` by esbuild. The compiled server (dist/, the image)
 * serves the files `npm run build` wrote beside it (scripts/build-client.ts); run from source
 * (`npm run dev`, the tests) it bundles the current sources in memory on first use, with the
 * same options, so a stale dist/ is never what a test or a developer sees.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

export interface ClientScript {
  code: string;
  map: string;
}

/** Where things are, relative to this module in `src/web/` (tsx) or `dist/web/` (compiled). */
const here = fileURLToPath(new URL('.', import.meta.url));
const SOURCE_ENTRY = fileURLToPath(new URL('./client/index.ts', import.meta.url));
/** From `dist/web/`: `dist/client/`. */
const BUILT_DIR = fileURLToPath(new URL('../client/', import.meta.url));

export const CLIENT_FILE = 'client.js';

/** The esbuild options of the served bundle (scripts/build-client.ts uses them too). */
export function clientBuildOptions(entry = SOURCE_ENTRY): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
    sourcemap: 'linked',
    sourcesContent: true,
    legalComments: 'none',
    logLevel: 'silent',
  };
}

/** Bundles the sources when running from them; otherwise reads the built bundle. */
export async function loadClientScript(): Promise<ClientScript> {
  if (existsSync(SOURCE_ENTRY)) return buildClientScript();
  const file = `${BUILT_DIR}${CLIENT_FILE}`;
  if (!existsSync(file) || !existsSync(`${file}.map`)) throw new Error(`the client bundle is missing (${file}); run npm run build`);
  const [code, map] = await Promise.all([readFile(file, 'utf8'), readFile(`${file}.map`, 'utf8')]);
  return { code, map };
}

/** Bundles `src/web/client/index.ts` in memory (esbuild is a development dependency). */
export async function buildClientScript(): Promise<ClientScript> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({ ...clientBuildOptions(), outfile: `${here}${CLIENT_FILE}`, write: false });
  const code = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'));
  if (!code || !map) throw new Error('esbuild produced no client bundle');
  return { code: code.text, map: map.text };
}
