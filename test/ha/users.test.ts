/** UserDirectory against the simulator: real token checks, cache, negative cache, failure limiting. */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { InvalidTokenError, TooManyAttemptsError, UpstreamUnavailableError } from '../../src/base/errors.ts';
import { HaSimulator } from '../../src/simulator/index.ts';
import { UserDirectory } from '../../src/ha/users.ts';
import { captureLogger, type CapturedLogger } from './helpers.ts';

let sim: HaSimulator;
let clock: number;
let log: CapturedLogger;
let users: UserDirectory;

before(async () => {
  sim = new HaSimulator({ seed: 21 });
  await sim.start();
});
after(() => sim.stop());
beforeEach(() => {
  clock = 1_000_000;
  log = captureLogger();
  users = new UserDirectory({ coreUrl: () => sim.url, logger: log.logger, now: () => clock });
});

const MINUTE = 60_000;

test('a valid token resolves to the core user; admin flag from core', async () => {
  assert.deepEqual(await users.resolve(sim.adminToken, '10.0.0.1'), { id: sim.adminUser.id, name: 'Demo Admin', isAdmin: true });
  assert.deepEqual(await users.resolve(sim.userToken, '10.0.0.1'), { id: sim.user.id, name: 'Demo User', isAdmin: false });
});

test('cache hit, then expiry after ~5 minutes (injected clock); revocation seen after expiry', async () => {
  const token = sim.issueToken('Cached', false);
  await users.resolve(token, 'c');
  const accepted = sim.connectionsAccepted;
  clock += 4 * MINUTE;
  await users.resolve(token, 'c');
  assert.equal(users.coreChecks, 1);
  assert.equal(sim.connectionsAccepted, accepted, 'a cache hit does not reach core');
  sim.revokeToken(token);
  clock += MINUTE + 1;
  await assert.rejects(users.resolve(token, 'c'), InvalidTokenError);
  assert.equal(users.coreChecks, 2);
});

test('negative cache: an invalid token is not re-checked for ~30 s', async () => {
  const bad = 'eyJhbGciOiJIUzI1NiJ9.bad.bad-bad-bad-bad';
  const failed = sim.failedLogins;
  await assert.rejects(users.resolve(bad, 'n1'), InvalidTokenError);
  await assert.rejects(users.resolve(bad, 'n2'), InvalidTokenError);
  assert.equal(sim.failedLogins, failed + 1, 'core saw one failed login');
  clock += 31_000;
  await assert.rejects(users.resolve(bad, 'n3'), InvalidTokenError);
  assert.equal(sim.failedLogins, failed + 2);
});

test('concurrent checks of one token share one request', async () => {
  const token = sim.issueToken('Concurrent', true);
  const results = await Promise.all(Array.from({ length: 8 }, () => users.resolve(token, 'x')));
  assert.equal(users.coreChecks, 1);
  assert.ok(results.every((u) => u.name === 'Concurrent'));
});

test('failures are limited per client before they reach core', async () => {
  const failed = sim.failedLogins;
  for (let i = 0; i < 5; i++) await assert.rejects(users.resolve(`wrong-token-number-${i}-xxxxxxxx`, 'attacker'), InvalidTokenError);
  assert.equal(sim.failedLogins, failed + 5);
  const limited = await users.resolve('wrong-token-number-6-xxxxxxxx', 'attacker').catch((err: unknown) => err);
  assert.ok(limited instanceof TooManyAttemptsError);
  assert.ok(limited.retryAfterMs > 0 && limited.retryAfterMs <= 5 * MINUTE);
  assert.equal(sim.failedLogins, failed + 5, 'core was not contacted once limited');
  await assert.rejects(users.resolve(sim.adminToken, 'attacker'), TooManyAttemptsError, 'an uncached token is not checked for a limited client');
  await users.resolve(sim.adminToken, 'admin-browser');
  assert.equal((await users.resolve(sim.adminToken, 'attacker')).isAdmin, true, 'a token already known valid answers from the cache');
  assert.equal((await users.resolve(sim.userToken, 'someone-else')).isAdmin, false, 'other clients are not affected');
  clock += 5 * MINUTE + 1;
  await assert.rejects(users.resolve('wrong-token-number-7-xxxxxxxx', 'attacker'), InvalidTokenError);
});

test('malformed tokens are rejected without asking core', async () => {
  for (const token of ['has a space in it 0123', 'control\u0001char-0123456789', 'short', 'x'.repeat(5000), '']) {
    await assert.rejects(users.resolve(token, `m-${token.length}`), InvalidTokenError);
  }
  assert.equal(users.coreChecks, 0);
});

test('unreachable core → UpstreamUnavailableError, not cached and not counted as a failure', async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const offline = new UserDirectory({ coreUrl: () => `http://127.0.0.1:${port}`, logger: log.logger, now: () => clock, maxFailures: 1 });
  await assert.rejects(offline.resolve(sim.adminToken, 'o'), UpstreamUnavailableError);
  await assert.rejects(offline.resolve(sim.adminToken, 'o'), UpstreamUnavailableError, 'asked again, and not limited');
  assert.equal(offline.coreChecks, 2);
});

test('tokens never reach the log', async () => {
  await users.resolve(sim.adminToken, 'l');
  await users.resolve('some-invalid-token-value-123', 'l').catch(() => undefined);
  assert.ok(!log.text().includes(sim.adminToken));
  assert.ok(!log.text().includes('some-invalid-token-value-123'));
});
