/**
 * Client mistakes are the client's, and errors say nothing about the inside: an aborted request
 * body is a debug line (not a level-50 internal error), a POST with a bad bearer token is refused
 * before its body is read, and a 503 `upstream_unavailable` names no internal address or library
 * error (the detail goes to the log). Whole servers as `main.ts` builds them, on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { SseHubServer } from '../../src/app/server.ts';
import { captureLogger } from '../log-capture.ts';
import { childEnv } from '../process-harness.ts';
import { until } from '../until.ts';

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-request-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Sends `head` (and `body`) on a raw socket; resolves with whatever the server answered before closing. */
function rawExchange(port: number, head: string, body = ''): { written: Promise<void>; answer: Promise<string>; socket: net.Socket } {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const answer = new Promise<string>((resolve) => socket.on('close', () => resolve(text)));
  socket.on('error', () => {});
  const written = new Promise<void>((resolve) => socket.write(head + body, () => resolve()));
  return { written, answer, socket };
}

describe('request errors on a demo server', () => {
  const log = captureLogger('debug');
  let server: SseHubServer;
  let token: string;

  before(async () => {
    server = new SseHubServer(loadConfig(childEnv(dir, { DEMO_EVENT_RATE: '0' })), log.logger);
    await server.start();
    token = server.simulator!.userToken;
  });
  after(() => server.stop());

  /** The line the funnel ends every request with: `request`, or `request aborted by the client`. */
  const requestLines = (url: string) =>
    log.lines().filter((l) => (l.msg === 'request' || l.msg === 'request aborted by the client') && l.url === url);

  it('an aborted request body is a debug line, never a level-50 internal error', { timeout: 10_000 }, async () => {
    for (const path of ['/subscribe_events', '/get_sse_stats']) {
      const before = requestLines(path).length;
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`;
      const { written, socket, answer } = rawExchange(server.lan.port, head, '{"events":');
      await written;
      socket.destroy();
      await answer;
      await until(() => requestLines(path).length > before, `the request line of ${path}`, 5000);
    }
    const bad = log.lines().filter((l) => Number(l.level) >= 50);
    assert.deepEqual(bad, [], 'no error-level line');
    assert.ok(!log.text().includes('internal_error'));
    assert.equal(log.lines().filter((l) => l.msg === 'request aborted by the client').length, 2);
  });

  it('a POST with a bad bearer token is refused before its body is read', { timeout: 10_000 }, async () => {
    for (const path of ['/subscribe_events', '/get_sse_stats']) {
      const head =
        `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer not-a-valid-token-0123456789\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n';
      const { answer } = rawExchange(server.lan.port, head); // the body never comes
      const text = await answer;
      assert.match(text, /^HTTP\/1\.1 401 /, `${path}: ${text}`);
      assert.match(text, /"error_code":"invalid_token"/);
    }
  });

  it('a non-admin on POST /get_sse_stats gets 403 without sending the body', { timeout: 10_000 }, async () => {
    const head =
      `POST /get_sse_stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${token}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n';
    const text = await rawExchange(server.lan.port, head).answer;
    assert.match(text, /^HTTP\/1\.1 403 /, text);
    assert.match(text, /"error_code":"admin_required"/);
  });
});

describe('Home Assistant unreachable (standalone, HA_URL on a closed port)', () => {
  const log = captureLogger('debug');
  let server: SseHubServer;

  before(async () => {
    const config = loadConfig(childEnv(dir, { HA_URL: 'http://127.0.0.1:1', HA_TOKEN: 'upstream-token-0123456789' }));
    server = new SseHubServer(config, log.logger);
    await server.start();
  });
  after(() => server.stop());

  it('503 upstream_unavailable names no internal address or library error; the log has the detail', { timeout: 10_000 }, async () => {
    const base = `http://127.0.0.1:${server.lan.port}`;
    const answers = [
      await fetch(`${base}/api/sse/stats`, { headers: { Authorization: 'Bearer some-user-token-0123456789' } }),
      await fetch(`${base}/subscribe_events`, { headers: { Authorization: 'Bearer other-user-token-0123456789' } }),
    ];
    for (const res of answers) {
      assert.equal(res.status, 503);
      const body = (await res.json()) as { message: string; error_code: string };
      assert.equal(body.error_code, 'upstream_unavailable');
      assert.equal(body.message, 'Home Assistant is not reachable right now; try again later');
      assert.doesNotMatch(body.message, /127\.0\.0\.1|ECONNREFUSED|:1\b|\/api\/|websocket/i);
    }
    assert.ok(
      log.lines().some((l) => l.msg === 'could not check a user token with Home Assistant' && /ECONNREFUSED/.test(JSON.stringify(l))),
      'the detail is in the log',
    );
  });
});
