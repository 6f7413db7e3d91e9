/**
 * Builds the client library into dist/client/ (run by `npm run build`, after tsc):
 * - client.js (+ .map): one self-contained ES module, the file the hub serves at /client.js and
 *   package.json exports as `sse-hub/client`;
 * - react.js (+ .map): the `useSSE` hook (`sse-hub/client/react`); React stays external and the
 *   client is imported from ./client.js, so both entry points share one copy;
 * - types/: declarations from tsc.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { CLIENT_FILE, clientBuildOptions } from '../src/web/client-bundle.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Builds into `out` (default the repository's dist/client/; tests build elsewhere). */
export async function buildClient(out = `${root}dist/client/`): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  await esbuild.build({ ...clientBuildOptions(`${root}src/web/client/index.ts`), outfile: `${out}${CLIENT_FILE}` });
  await esbuild.build({
    ...clientBuildOptions(`${root}src/web/client/react.ts`),
    outfile: `${out}react.js`,
    external: ['react'],
    plugins: [
      {
        name: 'shared-client',
        setup(build) {
          // The hook's imports of the client resolve to the client entry point, not a second copy.
          build.onResolve({ filter: /^\.\/(client|index)\.ts$/ }, () => ({ path: `./${CLIENT_FILE}`, external: true }));
        },
      },
    ],
  });
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  execFileSync(process.execPath, [tsc, '-p', `${root}tsconfig.client.json`, '--outDir', `${out}types`], { stdio: 'inherit' });
  // The sources import './x.ts'; published declarations name the emitted './x.js'.
  for (const file of readdirSync(`${out}types`)) {
    const path = `${out}types/${file}`;
    writeFileSync(path, readFileSync(path, 'utf8').replace(/(from '\.\/[\w-]+)\.ts'/g, "$1.js'"));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildClient();
}
