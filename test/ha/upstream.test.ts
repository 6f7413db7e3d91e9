/** HaUpstream wires the connection, REST client and user directory for each mode. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HaUpstream } from '../../src/ha/upstream.ts';
import { HaSimulator } from '../../src/simulator/index.ts';
import { captureLogger } from './helpers.ts';
import { until } from '../until.ts';

test('demo mode: starts the local core it is given, says so without its tokens, and everything works against it', async () => {
  const log = captureLogger('info');
  const sim = new HaSimulator({ eventRate: 0 });
  const upstream = new HaUpstream({ upstream: { kind: 'demo', eventRate: 0 }, logger: log.logger, localCore: sim });
  assert.equal(upstream.connection.connected, false, 'the constructor does no work');
  await upstream.start();
  try {
    assert.equal(upstream.localCore, sim);
    const banner = log.lines().find((l) => String(l.msg).includes('DEMO MODE'));
    assert.ok(banner, 'demo mode is announced');
    assert.ok(String(banner.msg).includes('SIMULATED'));
    assert.ok(!log.text().includes(sim.adminToken) && !log.text().includes(sim.userToken), 'no log line carries a demo token (the banner does)');
    await until(() => upstream.connection.connected, 'connected');
    assert.equal((await upstream.users.resolve(sim.userToken, 'lan')).isAdmin, false);
    await upstream.rest.callService('notify', 'demo', { message: 'm' });
    assert.equal(sim.core.notifyCalls.length, 1);
  } finally {
    await upstream.stop();
  }
});

test('standalone mode: websocket, REST and token checks go to HA_URL', async () => {
  const sim = new HaSimulator({ seed: 51 });
  await sim.start();
  const upstream = new HaUpstream({
    upstream: { kind: 'standalone', url: sim.wsUrl, token: sim.adminToken, restUrl: sim.url },
    logger: captureLogger().logger,
  });
  await upstream.start();
  try {
    await until(() => upstream.connection.connected, 'connected');
    assert.equal(upstream.localCore, undefined);
    assert.equal((await upstream.users.resolve(sim.adminToken, 'lan')).id, sim.adminUser.id);
    await upstream.rest.fireEvent('standalone_check');
    assert.equal((await sim.waitForRest((c) => c.path === '/api/events/standalone_check')).status, 200);
  } finally {
    await upstream.stop();
    await sim.stop();
  }
});

test('add-on mode: REST goes through the Supervisor core proxy', () => {
  const upstream = new HaUpstream({
    upstream: { kind: 'addon', url: 'ws://supervisor/core/websocket', token: 'supervisor-token-xyz-123', supervisorUrl: 'http://supervisor' },
    logger: captureLogger().logger,
  });
  assert.equal(upstream.rest.options.baseUrl, 'http://supervisor/core');
  assert.equal(upstream.connection.status, 'idle');
});

test('demo mode without a local core is refused at construction, naming what is missing', () => {
  assert.throws(
    () => new HaUpstream({ upstream: { kind: 'demo', eventRate: 0 }, logger: captureLogger().logger }),
    /demo mode needs a local core/,
  );
});
