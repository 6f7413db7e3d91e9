/** The simulator speaks core's websocket protocol (docs/home-assistant.md §2–§11), checked with a bare client. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { HaSimulator } from '../../src/simulator/index.ts';
import { ULID_PATTERN } from './patterns.ts';
import { RawClient } from './raw-client.ts';
import { until } from '../until.ts';
import { FakeClock } from '../fake-clock.ts';

let sim: HaSimulator;
/** The simulator's timers (the auth deadline): the auth-timeout test moves it instead of waiting. */
const clock = new FakeClock(0);
before(async () => {
  sim = new HaSimulator({ seed: 7, timers: clock });
  await sim.start();
});
after(() => sim.stop());

describe('auth phase', () => {
  test('auth_required first, auth_ok for a valid token', async () => {
    const client = await RawClient.connect(sim.wsUrl);
    assert.equal(await client.next(), '{"type":"auth_required","ha_version":"2025.8.1"}');
    client.send({ type: 'auth', access_token: sim.adminToken });
    assert.equal(await client.next(), '{"type":"auth_ok","ha_version":"2025.8.1"}');
    client.close();
  });

  test('a wrong token gets core message, counts a failed login, and the socket is closed', async () => {
    const before = sim.failedLogins;
    const client = await RawClient.connect(sim.wsUrl);
    await client.next();
    client.send({ type: 'auth', access_token: 'not-a-real-token-at-all' });
    assert.equal(await client.next(), '{"type":"auth_invalid","message":"Invalid access token or password"}');
    await client.waitClosed();
    assert.equal(sim.failedLogins, before + 1);
  });

  test('a malformed auth message is reported as such', async () => {
    const client = await RawClient.connect(sim.wsUrl);
    await client.next();
    client.send({ type: 'auth', access_token: sim.adminToken, extra: 1 });
    assert.deepEqual(await client.nextJson(), {
      type: 'auth_invalid',
      message: "Auth message incorrectly formatted: extra keys not allowed @ data['extra']",
    });
    await client.waitClosed();
  });

  test('no auth message within the timeout (10 s, as core): closed without a word', async () => {
    const client = await RawClient.connect(sim.wsUrl);
    await client.next();
    clock.advance(9_999);
    // A ping answered after the clock moved: a close the deadline had started would have come first.
    const pong = new Promise((resolve) => client.ws.once('pong', resolve));
    client.ws.ping();
    await pong;
    assert.equal(client.closed, false, 'open until the deadline');
    clock.advance(1);
    await client.waitClosed();
    assert.equal(client.frames.length, 1);
  });
});

describe('command phase', () => {
  test('id rules: invalid_format echoes the id, id_reuse, unknown_command does not advance', async () => {
    const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
    c.send({ id: 'x', type: 'ping' });
    assert.equal(await c.next(), '{"id":"x","type":"result","success":false,"error":{"code":"invalid_format","message":"Message incorrectly formatted."}}');
    c.send({ type: 'ping' });
    assert.deepEqual(await c.nextJson(), { id: null, type: 'result', success: false, error: { code: 'invalid_format', message: 'Message incorrectly formatted.' } });
    c.send({ id: 5, type: 'no_such_thing' });
    assert.equal(await c.next(), '{"id":5,"type":"result","success":false,"error":{"code":"unknown_command","message":"Unknown command."}}');
    c.send({ id: 5, type: 'ping' });
    assert.equal(await c.next(), '{"id":5,"type":"pong"}');
    c.send({ id: 5, type: 'ping' });
    assert.equal(await c.next(), '{"id":5,"type":"result","success":false,"error":{"code":"id_reuse","message":"Identifier values have to increase."}}');
    c.send({ id: 4, type: 'get_config' });
    assert.equal(((await c.nextJson()) as { error: { code: string } }).error.code, 'id_reuse');
    c.close();
  });

  test('extra keys are invalid_format with the humanised message', async () => {
    const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
    c.send({ id: 2, type: 'subscribe_events', event_type: 'state_changed', entity_id: 'light.kitchen' });
    assert.deepEqual(await c.nextJson(), {
      id: 2,
      type: 'result',
      success: false,
      error: { code: 'invalid_format', message: "extra keys not allowed @ data['entity_id']. Got 'light.kitchen'" },
    });
    c.close();
  });

  test('invalid JSON drops the connection', async () => {
    const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
    c.send('{not json');
    await c.waitClosed();
  });

  test('subscribe, events with "id" last, unsubscribe, not_found', async () => {
    const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
    c.send({ id: 2, type: 'subscribe_events', event_type: 'my_event' });
    assert.equal(await c.next(), '{"id":2,"type":"result","success":true,"result":null}');
    sim.fireEvent('my_event', { answer: 42 });
    const frame = await c.next();
    assert.match(frame, /^\{"type":"event","event":\{"event_type":"my_event","data":\{"answer":42\},"origin":"LOCAL","time_fired":"[^"]+","context":\{"id":"[0-9A-Z]{26}","parent_id":null,"user_id":null\}\},"id":2\}$/);
    assert.deepEqual(sim.activeSubscriptions().find((s) => s.eventTypes.includes('my_event'))?.eventTypes, ['my_event']);
    c.send({ id: 3, type: 'unsubscribe_events', subscription: 2 });
    assert.equal(await c.next(), '{"id":3,"type":"result","success":true,"result":null}');
    c.send({ id: 4, type: 'unsubscribe_events', subscription: 2 });
    assert.equal(await c.next(), '{"id":4,"type":"result","success":false,"error":{"code":"not_found","message":"Subscription not found."}}');
    c.close();
  });

  test('"*" gets everything but state_reported; a specific subscription gets state_reported', async () => {
    const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
    c.send({ id: 2, type: 'subscribe_events' });
    c.send({ id: 3, type: 'subscribe_events', event_type: 'state_reported' });
    await c.next();
    await c.next();
    const current = sim.core.states.get('switch.tv');
    assert.ok(current);
    sim.setState('switch.tv', current.state, current.attributes); // identical write → state_reported
    sim.fireEvent('marker');
    const first = (await c.nextJson()) as { id: number; event: { event_type: string } };
    assert.equal(first.event.event_type, 'state_reported');
    assert.equal(first.id, 3);
    const second = (await c.nextJson()) as { id: number; event: { event_type: string } };
    assert.deepEqual([second.id, second.event.event_type], [2, 'marker']);
    c.close();
  });

  test('coalescing: one JSON array frame per tick once requested, separate frames otherwise', async () => {
    const plain = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
    plain.send({ id: 2, type: 'subscribe_events', event_type: 'burst' });
    await plain.next();
    const coalesced = await RawClient.authenticated(sim.wsUrl, sim.adminToken, true);
    coalesced.send({ id: 2, type: 'subscribe_events', event_type: 'burst' });
    assert.equal(await coalesced.next(), '{"id":2,"type":"result","success":true,"result":null}'); // a lone message stays an object
    sim.fireEvent('burst', { n: 1 });
    sim.fireEvent('burst', { n: 2 });
    sim.fireEvent('burst', { n: 3 });
    const frame = JSON.parse(await coalesced.next()) as { event: { data: { n: number } } }[];
    assert.ok(Array.isArray(frame));
    assert.deepEqual(frame.map((m) => m.event.data.n), [1, 2, 3]);
    for (const n of [1, 2, 3]) assert.equal(((await plain.nextJson()) as { event: { data: { n: number } } }).event.data.n, n);
    plain.close();
    coalesced.close();
  });

  test('a JSON array of commands is accepted', async () => {
    const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
    c.send([{ id: 2, type: 'ping' }, { id: 3, type: 'ping' }]);
    assert.equal(await c.next(), '{"id":2,"type":"pong"}');
    assert.equal(await c.next(), '{"id":3,"type":"pong"}');
    c.close();
  });

  test('call_service: call_service event then state_changed with the caller context, result {context}', async () => {
    const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
    c.send({ id: 2, type: 'subscribe_events', event_type: 'call_service' });
    c.send({ id: 3, type: 'subscribe_events', event_type: 'state_changed' });
    await c.next();
    await c.next();
    c.send({ id: 4, type: 'call_service', domain: 'switch', service: 'turn_on', target: { entity_id: 'switch.garden_pump' } });
    const called = (await c.nextJson()) as { id: number; event: { data: unknown; context: { id: string; user_id: string } } };
    assert.equal(called.id, 2);
    assert.deepEqual(called.event.data, { domain: 'switch', service: 'turn_on', service_data: { entity_id: ['switch.garden_pump'] } });
    assert.equal(called.event.context.user_id, sim.adminUser.id);
    assert.match(called.event.context.id, ULID_PATTERN);
    const changed = (await c.nextJson()) as { id: number; event: { data: { new_state: { state: string } }; context: { id: string } } };
    assert.equal(changed.id, 3);
    assert.equal(changed.event.data.new_state.state, 'on');
    assert.equal(changed.event.context.id, called.event.context.id);
    assert.deepEqual(await c.nextJson(), { id: 4, type: 'result', success: true, result: { context: called.event.context } });
    assert.equal(sim.core.states.get('switch.garden_pump')?.state, 'on');
    c.close();
  });

  test('call_service of an unknown service: not_found with translation fields', async () => {
    const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
    c.send({ id: 2, type: 'call_service', domain: 'light', service: 'foo' });
    assert.equal(
      await c.next(),
      '{"id":2,"type":"result","success":false,"error":{"code":"not_found","message":"Service light.foo not found.","translation_key":"service_not_found","translation_placeholders":{"domain":"light","service":"foo"},"translation_domain":"homeassistant"}}',
    );
    c.close();
  });

  test('non-admin: allowlist for subscribe_events, fire_event refused, current_user shape', async () => {
    const c = await RawClient.authenticated(sim.wsUrl, sim.userToken);
    c.send({ id: 2, type: 'subscribe_events', event_type: 'state_changed' });
    assert.equal(((await c.nextJson()) as { success: boolean }).success, true);
    const unauthorized = { code: 'unauthorized', message: 'Unauthorized' };
    c.send({ id: 3, type: 'subscribe_events', event_type: 'call_service' });
    assert.deepEqual(((await c.nextJson()) as { error: unknown }).error, unauthorized);
    c.send({ id: 4, type: 'subscribe_events' });
    assert.deepEqual(((await c.nextJson()) as { error: unknown }).error, unauthorized);
    c.send({ id: 5, type: 'fire_event', event_type: 'x' });
    assert.deepEqual(((await c.nextJson()) as { error: unknown }).error, unauthorized);
    c.send({ id: 6, type: 'auth/current_user' });
    const user = ((await c.nextJson()) as { result: Record<string, unknown> }).result;
    assert.deepEqual(Object.keys(user), ['id', 'name', 'is_owner', 'is_admin', 'credentials', 'mfa_modules']);
    assert.equal(user.is_admin, false);
    assert.match(String(user.id), /^[0-9a-f]{32}$/);
    c.close();
  });

  test('fire_event (admin) fires with the caller context and answers {context}', async () => {
    const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
    c.send({ id: 2, type: 'subscribe_events', event_type: 'custom' });
    await c.next();
    c.send({ id: 3, type: 'fire_event', event_type: 'custom', event_data: { a: 1 } });
    const event = (await c.nextJson()) as { event: { data: unknown; origin: string; context: { user_id: string } } };
    assert.deepEqual([event.event.data, event.event.origin, event.event.context.user_id], [{ a: 1 }, 'LOCAL', sim.adminUser.id]);
    const result = (await c.nextJson()) as { result: { context: { user_id: string } } };
    assert.equal(result.result.context.user_id, sim.adminUser.id);
    c.close();
  });

  test('get_config carries core keys and state RUNNING', async () => {
    const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
    c.send({ id: 2, type: 'get_config' });
    const config = ((await c.nextJson()) as { result: Record<string, unknown> }).result;
    for (const key of ['components', 'config_dir', 'latitude', 'location_name', 'state', 'time_zone', 'unit_system', 'version']) assert.ok(key in config, key);
    assert.equal(config.state, 'RUNNING');
    c.close();
  });
});

describe('control API', () => {
  test('rejectUpgrades(502) answers the upgrade with HTTP 502; null accepts again', async () => {
    sim.rejectUpgrades(502);
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(sim.wsUrl);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('upgrade accepted')));
      ws.on('error', () => {});
    });
    assert.equal(status, 502);
    sim.rejectUpgrades(null);
    (await RawClient.authenticated(sim.wsUrl, sim.adminToken)).close();
  });

  test('restart drops connections and listens again on the same port', async () => {
    const port = sim.port;
    const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
    await sim.restart();
    await c.waitClosed();
    assert.equal(sim.port, port);
    (await RawClient.authenticated(sim.wsUrl, sim.adminToken)).close();
  });

  test('stall: nothing is answered, not even ping', async () => {
    const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
    sim.stall(true);
    const ignored = sim.messagesIgnored;
    c.send({ id: 2, type: 'ping' });
    await until(() => sim.messagesIgnored === ignored + 1, 'ping 2 read while stalled');
    sim.stall(false);
    c.send({ id: 3, type: 'ping' });
    // Frames arrive in order: had ping 2 been answered, its pong would come first.
    assert.equal(await c.next(), '{"id":3,"type":"pong"}');
    assert.ok(!c.frames.includes('{"id":2,"type":"pong"}'), 'ping 2 was never answered');
    c.close();
  });
});
