/**
 * `GET /client.js` on the real server: public (no token), importable from any origin, cached by
 * ETag, with its source map; and the module works when imported from the hub by URL.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type * as ClientModule from '../../src/web/client/index.ts';
import { createApp } from '../../src/http/app.ts';
import { clientScriptRouter } from '../../src/http/routes/client-script.ts';
import { captureLogger } from '../log-capture.ts';
import { type DemoServer, startDemoServer } from '../client/client-harness.ts';

let demo: DemoServer;
before(async () => {
  demo = await startDemoServer();
});
after(async () => {
  await demo.stop();
});

describe('GET /client.js', () => {
  it('serves the client as a module to any origin, without a token, with caching headers', async () => {
    const res = await fetch(`${demo.base}/client.js`, { headers: { Origin: 'http://kiosk.example' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('Content-Type') ?? '', /^text\/javascript; charset=utf-8$/);
    assert.equal(res.headers.get('Access-Control-Allow-Origin'), '*');
    assert.match(res.headers.get('Cache-Control') ?? '', /max-age=\d+/);
    const etag = res.headers.get('ETag');
    assert.match(etag ?? '', /^"[\w-]+"$/);
    const code = await res.text();
    assert.match(code, /export\s*\{[^}]*\bconnect\b/);
    assert.match(code, /\/\/# sourceMappingURL=client\.js\.map\s*$/);
    assert.doesNotMatch(code, /from\s*["']node:|require\(|process\.env|\bBuffer\b/, 'no Node-only APIs');

    const again = await fetch(`${demo.base}/client.js`, { headers: { 'If-None-Match': etag! } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');

    const map = await fetch(`${demo.base}/client.js.map`);
    assert.equal(map.status, 200);
    assert.match(map.headers.get('Content-Type') ?? '', /^application\/json/);
    const parsed = (await map.json()) as { sources: string[]; sourcesContent: string[] };
    assert.ok(parsed.sources.some((s) => s.endsWith('client/client.ts')));
    assert.equal(parsed.sources.length, parsed.sourcesContent.length);
  });

  it('is a module Node can import by URL and stream with', async () => {
    // What a Node program that downloaded /client.js (and its map) runs.
    const dir = mkdtempSync(join(tmpdir(), 'sse-hub-client-js-'));
    writeFileSync(join(dir, 'client.js'), await (await fetch(`${demo.base}/client.js`)).text());
    writeFileSync(join(dir, 'client.js.map'), await (await fetch(`${demo.base}/client.js.map`)).text());
    const mod = (await import(pathToFileURL(join(dir, 'client.js')).href)) as typeof ClientModule;
    rmSync(dir, { recursive: true, force: true });
    // state_changed explicitly: the hub's always-on state subscription serves it from the first
    // moment (an all-types stream waits for core to confirm its `*` subscription).
    const client = mod.connect({ url: demo.base, token: demo.sim.adminToken, events: 'state_changed', entity_id: 'sensor.served', cache: false });
    try {
      const seen: string[] = [];
      client.on('state_changed', (m) => seen.push(String(m.data?.state)));
      await new Promise<void>((resolve) => client.on('connection', () => resolve()));
      demo.sim.setState('sensor.served', 'hello');
      await new Promise<void>((resolve) => client.on('state_changed', () => resolve()));
      assert.deepEqual(seen, ['hello']);
    } finally {
      client.close();
    }
  });

  it('answers 503 with the error envelope when the bundle cannot be loaded, and tries again next time', async () => {
    let calls = 0;
    const failures: unknown[] = [];
    const router = clientScriptRouter({
      load: async () => {
        calls++;
        if (calls === 1) throw new Error('esbuild is not installed');
        return { code: 'export const x = 1;\n', map: '{}' };
      },
      onError: (err) => failures.push(err),
    });
    const app = createApp({ logger: captureLogger('error').logger, routers: [router], corsOrigins: [] });
    const server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/client.js`;
    try {
      const failed = await fetch(url);
      assert.equal(failed.status, 503);
      assert.deepEqual(await failed.json(), { success: false, message: 'The client library is not available', error_code: 'client_unavailable' });
      assert.equal(failures.length, 1);
      const ok = await fetch(url);
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), 'export const x = 1;\n');
      assert.equal(calls, 2);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
