/**
 * README's run command, `npm ci && npm run build && npm start`, minus the install: the build
 * script's compiler run (into a temporary folder, so the shared checkout's dist/ is untouched)
 * produces JavaScript that Node runs as `npm start` does (`node --max-semi-space-size=2 dist/main.js`), which starts,
 * answers /healthz and the built client at /client.js, and stops cleanly. This is also what the Dockerfile's runtime stage runs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildClient } from '../../scripts/build-client.ts';
import { childEnv, findLine, killLeftovers, start, waitFor, within } from '../process-harness.ts';
import { ROOT, readText } from './repo.ts';

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-dist-'));
after(() => {
  killLeftovers();
  rmSync(dir, { recursive: true, force: true });
});

const pkg = JSON.parse(readText('package.json')) as { scripts: Record<string, string> };

describe('the compiled build', () => {
  it('builds with the build script and runs as npm start does', { timeout: 180_000 }, async () => {
    // `npm run build` is `tsc -p tsconfig.build.json` (then the client bundle, test/http/client-script.test.ts,
    // and the panel, test/panel/build.test.ts); only the output folder differs here.
    assert.equal(
      pkg.scripts.build,
      'tsc -p tsconfig.build.json && node --import tsx scripts/build-client.ts && node --import tsx scripts/build-panel.ts',
    );
    assert.equal(pkg.scripts.start, 'node --max-semi-space-size=2 dist/main.js'); // docs/decisions.md §9
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const out = join(dir, 'dist');
    await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out], {
      cwd: ROOT,
      timeout: 150_000,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((err: { stdout?: string }) => assert.fail(`the build failed:\n${err.stdout ?? String(err)}`));

    // The compiled imports point at .js files (rewriteRelativeImportExtensions), never at .ts.
    const files = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    assert.ok(files.includes('main.js'));
    for (const file of files) {
      assert.doesNotMatch(readFileSync(join(out, file), 'utf8'), /from\s+['"]\.{1,2}\/[^'"]*\.ts['"]/, file);
    }

    // The build script's second step, the client bundle, into the same dist (the files exist only
    // there: the compiled server has no sources to bundle from).
    await buildClient(join(out, 'client') + '/');

    // A folder shaped like the image's /app: package.json (ESM), node_modules, dist.
    writeFileSync(join(dir, 'package.json'), readText('package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const run = start(pkg.scripts.start.split(' ').slice(1), dir, childEnv(dir));
    const started = await waitFor('"SSE Hub started"', run, () => findLine(run.stdout(), 'SSE Hub started'), 30_000);
    const res = await fetch(`http://127.0.0.1:${String(started.lanPort)}/healthz`);
    assert.equal(res.status, 200);
    const script = await fetch(`http://127.0.0.1:${String(started.lanPort)}/client.js`);
    assert.equal(script.status, 200, 'the compiled server serves the built client');
    assert.equal(await script.text(), readFileSync(join(out, 'client', 'client.js'), 'utf8'));
    run.child.kill('SIGTERM');
    assert.deepEqual(await within(run.exit, 5000), { code: 0, signal: null }, run.stderr());
  });
});
