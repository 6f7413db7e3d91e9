/**
 * `npm run build`'s client step (scripts/build-client.ts), into a temporary folder: the files
 * package.json exports exist, and a program resolves `sse-hub/client` and `sse-hub/client/react`
 * through "exports" (self-reference, as a dependent package would through node_modules), with
 * declarations that name .js files and a hook that shares the client's module.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { promisify } from 'node:util';
import { buildClient } from '../../scripts/build-client.ts';
import { ROOT, readText } from './repo.ts';

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-client-build-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('builds the exported client entry points with declarations', { timeout: 120_000 }, async () => {
  const pkg = JSON.parse(readText('package.json')) as { exports: Record<string, { types: string; default: string } | string>; peerDependenciesMeta: Record<string, { optional: boolean }> };
  assert.equal(pkg.peerDependenciesMeta.react?.optional, true, 'React is an optional peer');
  const out = join(dir, 'dist', 'client');
  await buildClient(`${out}/`);

  const react = readFileSync(join(out, 'react.js'), 'utf8');
  assert.match(react, /from\s*"\.\/client\.js"/, 'the hook imports the client entry, not a copy');
  assert.doesNotMatch(react, /class SseClient/);
  for (const file of ['index.d.ts', 'react.d.ts', 'client.d.ts']) {
    assert.doesNotMatch(readFileSync(join(out, 'types', file), 'utf8'), /from '\.\/[\w-]+\.ts'/, `${file} names .js files`);
  }

  // A package folder shaped like the published one: package.json, dist/client, node_modules (react).
  writeFileSync(join(dir, 'package.json'), readText('package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const [entry, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    assert.ok(readFileSync(join(dir, target.default)).length > 0, `${entry} → ${target.default}`);
    assert.ok(readFileSync(join(dir, target.types)).length > 0, `${entry} types → ${target.types}`);
  }
  mkdirSync(join(dir, 'bin'));
  writeFileSync(
    join(dir, 'bin', 'probe.mjs'),
    `import { connect, SseClient } from 'sse-hub/client';
     import { useSSE } from 'sse-hub/client/react';
     const client = connect({ url: 'http://127.0.0.1:1', cache: false, fetch: () => new Promise(() => {}) });
     console.log(JSON.stringify({ connect: typeof connect, useSSE: typeof useSSE, same: client instanceof SseClient, status: client.status }));
     client.close();`,
  );
  const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'bin', 'probe.mjs')], { cwd: dir, timeout: 30_000 });
  assert.deepEqual(JSON.parse(stdout), { connect: 'function', useSSE: 'function', same: true, status: 'connecting' });
});
