/** Supervisor /core/info → core's base URL for user token checks (docs/home-assistant.md §14–§15). */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { UpstreamUnavailableError } from '../../src/base/errors.ts';
import { fetchCoreBaseUrl, supervisorPeerAddress } from '../../src/ha/supervisor.ts';

const TOKEN = 'supervisor-token-0123456789abcdef';
let server: Server | undefined;
afterEach(() => server?.close());

async function supervisor(reply: (auth: string | undefined) => [number, unknown]): Promise<string> {
  server = createServer((req, res) => {
    const [status, body] = req.url === '/core/info' ? reply(req.headers.authorization) : [404, {}];
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

test('port and ssl from /core/info, asked with the Bearer token', async () => {
  const url = await supervisor((auth) =>
    auth === `Bearer ${TOKEN}` ? [200, { result: 'ok', data: { version: '2025.8.1', port: 8123, ssl: false } }] : [401, { result: 'error' }],
  );
  assert.equal(await fetchCoreBaseUrl({ supervisorUrl: url, token: TOKEN }), 'http://homeassistant:8123');
});

test('ssl → https', async () => {
  const url = await supervisor(() => [200, { result: 'ok', data: { port: 443, ssl: true } }]);
  assert.equal(await fetchCoreBaseUrl({ supervisorUrl: `${url}/`, token: TOKEN }), 'https://homeassistant:443');
});

test('errors become UpstreamUnavailableError without the token', async () => {
  const url = await supervisor(() => [403, { result: 'error', message: 'forbidden' }]);
  const err = await fetchCoreBaseUrl({ supervisorUrl: url, token: TOKEN }).catch((e: unknown) => e);
  assert.ok(err instanceof UpstreamUnavailableError);
  assert.ok(!err.message.includes(TOKEN));
  server?.close();
  const odd = await supervisor(() => [200, { result: 'ok', data: {} }]);
  await assert.rejects(fetchCoreBaseUrl({ supervisorUrl: odd, token: TOKEN }), UpstreamUnavailableError);
});

test('the address /core/info gives (ip_address) when it gives one', async () => {
  server?.close();
  const url = await supervisor(() => [200, { result: 'ok', data: { ip_address: '172.30.32.1', port: 8123, ssl: false } }]);
  assert.equal(await fetchCoreBaseUrl({ supervisorUrl: url, token: TOKEN }), 'http://172.30.32.1:8123');
  server?.close();
  const notIp = await supervisor(() => [200, { result: 'ok', data: { ip_address: 'evil.example/x', port: 8123, ssl: false } }]);
  assert.equal(await fetchCoreBaseUrl({ supervisorUrl: notIp, token: TOKEN }), 'http://homeassistant:8123');
});

test('ingress peer: the SUPERVISOR_URL host when it is an address, else the default', () => {
  assert.equal(supervisorPeerAddress('http://127.0.0.2:8080'), '127.0.0.2');
  assert.equal(supervisorPeerAddress('http://[::1]:8080'), '::1');
  assert.equal(supervisorPeerAddress('http://supervisor'), undefined);
});
