/**
 * The product's own module graphs that a mode does not use stay unloaded until first use (the
 * issue "Lean on the box it runs on": memory before the first stream). ESM modules have no
 * `require.cache` to look into, so a module hook registered before the server is imported records
 * every module URL Node loads; the hook runs on the loader thread and appends synchronously, so a
 * URL is in the file before the import that loaded it resolves.
 *
 * - simulator/ (the demo home): not loaded by a standalone server; loaded when a demo server starts.
 * - http/openapi.ts (the document built from the zod schemas as JSON Schema): loaded on the first
 *   `GET /openapi.json`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-lazy-'));
const loadsFile = join(dir, 'loads.txt');
writeFileSync(loadsFile, '');
const HOOK = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) {
  const result = await next(url, context);
  appendFileSync(file, url + '\\n');
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(HOOK)}`, { data: { file: loadsFile } });

const loaded = (pathPart: string) => readFileSync(loadsFile, 'utf8').split('\n').some((url) => url.includes(pathPart));

after(() => rmSync(dir, { recursive: true, force: true }));

test('a standalone server loads neither the simulator nor the OpenAPI document until asked; /openapi.json loads the latter', async () => {
  const { SseHubServer } = await import('../src/app/server.ts');
  const { loadConfig } = await import('../src/config/config.ts');
  const { childEnv } = await import('./process-harness.ts');
  const { captureLogger } = await import('./log-capture.ts');
  assert.ok(loaded('/src/app/server.ts'), 'the hook sees the server load (else the assertions below prove nothing)');

  // Nothing listens on port 1: the connection to core retries in the background, which is all this test needs.
  const config = loadConfig(childEnv(join(dir, 'standalone'), { HA_URL: 'http://127.0.0.1:1', HA_TOKEN: 'standalone-token' }));
  const server = new SseHubServer(config, captureLogger('fatal').logger);
  await server.start();
  try {
    assert.equal(loaded('/src/simulator/'), false, 'the simulator loaded outside demo mode');
    assert.equal(loaded('/src/http/openapi.ts'), false, 'the OpenAPI document loaded with the server');

    const res = await fetch(`http://127.0.0.1:${server.lan.port}/openapi.json`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { openapi: string }).openapi, '3.1.0');
    assert.ok(loaded('/src/http/openapi.ts'));
    assert.equal(loaded('/src/simulator/'), false);
  } finally {
    await server.stop();
  }
});

test('a demo server loads the simulator when it starts, and exposes it then', async () => {
  const { startDemoServer } = await import('./demo-server.ts');
  const demo = await startDemoServer();
  try {
    assert.ok(loaded('/src/simulator/server.ts'));
    assert.equal(demo.server.simulator, demo.sim);
    assert.equal(demo.sim.adminToken, demo.server.upstream.localCore?.adminToken, 'the token the bridge authenticates with is the simulator admin');
  } finally {
    await demo.stop();
  }
});
