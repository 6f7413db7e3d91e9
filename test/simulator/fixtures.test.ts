/**
 * Each reference fixture (real core frames, test/fixtures/ha-ws) against what the simulator sends in
 * the same situation: same keys in the same order, same value types, same formats (ISO timestamps
 * with +00:00 and microseconds, ULID context ids, 32-hex user ids).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { HaSimulator } from '../../src/simulator/index.ts';
import { assertSameShape, fixture, shapeOf } from './shape.ts';
import { RawClient } from './raw-client.ts';

let sim: HaSimulator;
before(async () => {
  sim = new HaSimulator({ seed: 3 });
  await sim.start();
});
after(() => sim.stop());

test('auth frames', async () => {
  const c = await RawClient.connect(sim.wsUrl);
  assertSameShape(await c.nextJson(), fixture('auth_required'), 'auth_required');
  c.send({ type: 'auth', access_token: sim.adminToken });
  assertSameShape(await c.nextJson(), fixture('auth_ok'), 'auth_ok');
  c.close();
  const bad = await RawClient.connect(sim.wsUrl);
  await bad.next();
  bad.send({ type: 'auth', access_token: 'wrong-token-wrong-token' });
  const invalid = await bad.nextJson();
  assert.deepEqual(invalid, fixture('auth_invalid'));
  assertSameShape(invalid, fixture('auth_invalid_supervisor'), 'auth_invalid (the proxy only differs in message text)');
});

test('results: ok, error, current_user, get_states, call_service; events; coalesced frame', async () => {
  const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken, true);
  c.send({ id: 2, type: 'subscribe_events', event_type: 'state_changed' });
  assertSameShape(await c.nextJson(), fixture('result_ok'), 'result_ok');
  c.send({ id: 3, type: 'subscribe_events', event_type: 'call_service' });
  await c.nextJson();
  c.send({ id: 4, type: 'subscribe_events', event_type: 'automation_triggered' });
  await c.nextJson();
  c.send({ id: 5, type: 'subscribe_events', event_type: 'script_started' });
  await c.nextJson();

  c.send({ id: 6, type: 'nope' });
  assert.deepEqual(await c.nextJson(), { ...(fixture('result_error') as object), id: 6 });

  c.send({ id: 7, type: 'auth/current_user' });
  const user = (await c.nextJson()) as { result: { credentials: unknown[] } };
  const expectedUser = fixture('current_user') as { result: Record<string, unknown> };
  assert.deepEqual(shapeOf({ ...user, result: { ...user.result, credentials: [] } }), shapeOf(expectedUser), 'current_user');
  assertSameShape(user.result.credentials[0], { auth_provider_type: 'homeassistant', auth_provider_id: null }, 'credentials entry');

  // The fixture's call: brightness 70 % on the living room ceiling light, targeted by entity id.
  c.send({ id: 8, type: 'call_service', domain: 'light', service: 'turn_on', service_data: { brightness_pct: 70 }, target: { entity_id: 'light.living_room_ceiling' } });
  const frame = JSON.parse(await c.next()) as { type: string; id: number }[];
  assert.ok(Array.isArray(frame), 'events and result queued together arrive as one array frame');
  const [called, changed, result] = frame;
  const coalesced = fixture('coalesced_frame') as unknown[];
  assertSameShape([called, changed], coalesced, 'coalesced_frame');
  assertSameShape(called, fixture('event_call_service'), 'event_call_service');
  assertSameShape(changed, fixture('event_state_changed'), 'event_state_changed');
  assertSameShape(result, fixture('result_call_service'), 'result_call_service');
  const stateChanged = changed as unknown as { event: { time_fired: string; data: { new_state: { last_updated: string; context: unknown } }; context: unknown } };
  assert.equal(stateChanged.event.time_fired, stateChanged.event.data.new_state.last_updated, 'time_fired equals new_state.last_updated');
  assert.deepEqual(stateChanged.event.context, stateChanged.event.data.new_state.context);

  // In the fixture the coffee maker was last switched by a user, so its context carries a user id.
  c.send({ id: 9, type: 'call_service', domain: 'switch', service: 'turn_on', service_data: { entity_id: 'switch.coffee_maker' } });
  c.send({ id: 10, type: 'call_service', domain: 'switch', service: 'turn_off', service_data: { entity_id: 'switch.coffee_maker' } });
  c.send({ id: 11, type: 'get_states' });
  const states = (await c.until((m) => m.id === 11 && m.type === 'result')) as unknown as { result: { entity_id: string }[] };
  const expected = fixture('get_states') as { result: { entity_id: string }[] };
  assertSameShape({ ...states, result: [] }, { ...expected, result: [] }, 'get_states envelope');
  for (const want of expected.result) {
    assertSameShape(states.result.find((s) => s.entity_id === want.entity_id), want, `get_states ${want.entity_id}`);
  }

  // Motion triggers an automation (new context, parent = motion's context); the door runs a script via one.
  sim.setState('binary_sensor.hallway_motion', 'on');
  const triggered = await c.until((m) => (m.event as { event_type?: string } | undefined)?.event_type === 'automation_triggered');
  assertSameShape(triggered, { ...(fixture('event_automation_triggered') as object), id: 4 }, 'event_automation_triggered');
  sim.setState('binary_sensor.front_door', 'on');
  const started = await c.until((m) => (m.event as { event_type?: string } | undefined)?.event_type === 'script_started');
  assertSameShape(started, { ...(fixture('event_script_started') as object), id: 5 }, 'event_script_started');
  c.close();
});

test('subscribe_entities: initial (id first) and diff (id last) frames', async () => {
  // A fresh simulator so the living room light starts off with a context that has no user.
  const fresh = new HaSimulator({ seed: 4 });
  await fresh.start();
  try {
    const c = await RawClient.authenticated(fresh.wsUrl, fresh.adminToken);
    c.send({ id: 8, type: 'subscribe_entities', entity_ids: ['light.living_room_ceiling', 'sensor.bedroom_temperature'] });
    assertSameShape(await c.nextJson(), fixture('result_ok'), 'subscribe_entities result');
    const initial = await c.next();
    assert.match(initial, /^\{"id":8,"type":"event","event":\{"a":/);
    assertSameShape(JSON.parse(initial), fixture('event_subscribe_entities_initial'), 'event_subscribe_entities_initial');
    c.send({ id: 9, type: 'call_service', domain: 'light', service: 'turn_on', service_data: { brightness_pct: 70, entity_id: 'light.living_room_ceiling' } });
    const diff = await c.next();
    assert.match(diff, /"id":8\}$/);
    assertSameShape(JSON.parse(diff), fixture('event_subscribe_entities_diff'), 'event_subscribe_entities_diff');
    c.close();
  } finally {
    await fresh.stop();
  }
});
