/**
 * The browser client as the hub serves it (`GET /client.js`): one self-contained ES module and
 * its source map, built from `src/client/` by esbuild (`npm run build` runs
 * scripts/build-client.ts). A source checkout without a build (`npm run dev`, the tests after
 * `npm ci`) bundles it in memory on first use instead, with the same options; the image always
 * ships the built files.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

export interface ClientScript {
  code: string;
  map: string;
}

/** Where things are, relative to this module in `src/http/` (tsx) or `dist/http/` (compiled). */
const here = fileURLToPath(new URL('.', import.meta.url));
const SOURCE_ENTRY = fileURLToPath(new URL('../client/index.ts', import.meta.url));
/** From `dist/http/`: `dist/client/`; from `src/http/`: the repository's `dist/client/`. */
const BUILT_DIRS = [fileURLToPath(new URL('../client/', import.meta.url)), fileURLToPath(new URL('../../dist/client/', import.meta.url))];

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

/** Reads the built bundle; without one, builds it from source (a checkout that was not built). */
export async function loadClientScript(dirs: readonly string[] = BUILT_DIRS): Promise<ClientScript> {
  for (const dir of dirs) {
    const file = `${dir}${CLIENT_FILE}`;
    if (!existsSync(file) || !existsSync(`${file}.map`)) continue;
    const [code, map] = await Promise.all([readFile(file, 'utf8'), readFile(`${file}.map`, 'utf8')]);
    return { code, map };
  }
  if (!existsSync(SOURCE_ENTRY)) throw new Error(`the client bundle is missing (looked in ${dirs.join(', ')}); run npm run build`);
  return buildClientScript();
}

/** Bundles `src/client/index.ts` in memory (esbuild is a development dependency). */
export async function buildClientScript(): Promise<ClientScript> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({ ...clientBuildOptions(), outfile: `${here}${CLIENT_FILE}`, write: false });
  const code = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'));
  if (!code || !map) throw new Error('esbuild produced no client bundle');
  return { code: code.text, map: map.text };
}
