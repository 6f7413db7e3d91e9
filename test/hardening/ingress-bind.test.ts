/**
 * Outside add-on mode the ingress listener (a second full API port that accepts bearer tokens) binds
 * to loopback unless INGRESS_BIND_HOST asks for another address; in add-on mode it binds where the
 * Supervisor can reach it (BIND_HOST). Config level (no test binds a non-loopback address), plus the
 * composed server's ingress listener on loopback.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { SseHubServer } from '../../src/app/server.ts';
import { captureLogger } from '../log-capture.ts';
import { childEnv } from '../process-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-ingress-bind-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('demo and standalone: ingress on 127.0.0.1 even when BIND_HOST is every address', () => {
  const demo = loadConfig(childEnv(dir, { BIND_HOST: '0.0.0.0' }));
  assert.equal(demo.bindHost, '0.0.0.0');
  assert.equal(demo.ingressBindHost, '127.0.0.1');
  const standalone = loadConfig(childEnv(dir, { BIND_HOST: '0.0.0.0', HA_URL: 'http://ha.local:8123', HA_TOKEN: 'x'.repeat(20) }));
  assert.equal(standalone.ingressBindHost, '127.0.0.1');
});

it('INGRESS_BIND_HOST opens it where asked; add-on mode binds it with BIND_HOST', () => {
  assert.equal(loadConfig(childEnv(dir, { BIND_HOST: '0.0.0.0', INGRESS_BIND_HOST: '0.0.0.0' })).ingressBindHost, '0.0.0.0');
  assert.equal(loadConfig(childEnv(dir, { BIND_HOST: '0.0.0.0', SUPERVISOR_TOKEN: 't'.repeat(20) })).ingressBindHost, '0.0.0.0');
});

it('the composed server listens for ingress on the address the config gives', async () => {
  const config = loadConfig(childEnv(dir, { DEMO_EVENT_RATE: '0', BIND_HOST: '127.0.0.1' }));
  const server = new SseHubServer(config, captureLogger('info').logger);
  await server.start();
  try {
    assert.equal((server.ingress.server.address() as AddressInfo).address, config.ingressBindHost);
  } finally {
    await server.stop();
  }
});
