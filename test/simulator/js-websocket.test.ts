/**
 * Faithfulness proof: Home Assistant's own frontend client library (home-assistant-js-websocket)
 * works against the simulator: connect, subscribe to events and entities, read states and config,
 * call services, and recover its subscriptions after the core drops the connection.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import {
  callService,
  createConnection,
  createLongLivedTokenAuth,
  getConfig,
  getStates,
  getUser,
  subscribeEntities,
  type Connection,
  type HassEntities,
  type HassEvent,
} from 'home-assistant-js-websocket';
import { HaSimulator } from '../../src/simulator/index.ts';
import { until } from '../until.ts';

// Node 20 has no global WebSocket; the library's default createSocket uses the global one.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

let sim: HaSimulator;
let conn: Connection;
before(async () => {
  sim = new HaSimulator({ seed: 11 });
  await sim.start();
  conn = await createConnection({ auth: createLongLivedTokenAuth(sim.url, sim.adminToken) });
});
after(async () => {
  conn.close();
  await sim.stop();
});

test('connects, negotiates features and reads user, config and states', async () => {
  assert.equal(conn.haVersion, '2025.8.1');
  const user = await getUser(conn);
  assert.equal(user.id, sim.adminUser.id);
  assert.equal(user.is_admin, true);
  const config = await getConfig(conn);
  assert.equal(config.state, 'RUNNING');
  const states = await getStates(conn);
  assert.ok(states.length >= 30);
  assert.ok(states.some((s) => s.entity_id === 'climate.living_room'));
});

test('subscribeEvents and callService', async () => {
  const events: HassEvent[] = [];
  const unsubscribe = await conn.subscribeEvents<HassEvent>((event) => events.push(event), 'state_changed');
  const result = (await callService(conn, 'light', 'turn_on', { brightness_pct: 50 }, { entity_id: 'light.kitchen' })) as { context: { user_id: string } };
  assert.equal(result.context.user_id, sim.adminUser.id);
  await until(() => events.some((e) => e.data.entity_id === 'light.kitchen'), 'state_changed for light.kitchen');
  const event = events.find((e) => e.data.entity_id === 'light.kitchen');
  assert.equal((event?.data.new_state as { state: string }).state, 'on');
  assert.equal((event?.data.new_state as { attributes: { brightness: number } }).attributes.brightness, 128);
  await unsubscribe();
  await until(() => !sim.activeSubscriptions().some((s) => s.eventTypes.includes('state_changed')), 'unsubscribed at the simulator');
});

test('subscribeEntities: initial states, then diffs applied by the library', async () => {
  let entities: HassEntities | undefined;
  const unsubscribe = subscribeEntities(conn, (value) => {
    entities = value;
  });
  await until(() => entities !== undefined && Object.keys(entities).length >= 30, 'initial entities');
  const before = entities?.['light.bedroom'];
  assert.equal(before?.state, 'off');
  await callService(conn, 'light', 'turn_on', { entity_id: 'light.bedroom', color_temp_kelvin: 4000 });
  await until(() => entities?.['light.bedroom']?.state === 'on', 'light.bedroom on');
  const after = entities?.['light.bedroom'];
  const server = sim.core.states.get('light.bedroom');
  assert.deepEqual(after?.attributes, server?.attributes, 'diffs rebuild exactly the server attributes');
  assert.equal(after?.context.id, server?.context.id);
  assert.equal(Date.parse(after?.last_changed ?? ''), Math.floor(Date.parse(server?.last_changed ?? '')));

  sim.removeEntity('sensor.phone_battery');
  await until(() => entities !== undefined && !('sensor.phone_battery' in entities), 'removed entity');
  unsubscribe();
});

test('registry lists through sendMessagePromise; registry events through subscribeEvents', async () => {
  const areas = await conn.sendMessagePromise<{ area_id: string; floor_id: string | null }[]>({ type: 'config/area_registry/list' });
  assert.deepEqual(
    areas.map((a) => `${a.area_id}@${String(a.floor_id)}`),
    ['living_room@ground_floor', 'kitchen@ground_floor', 'hallway@ground_floor', 'bedroom@first_floor', 'office@first_floor', 'garden@null'],
  );
  const floors = await conn.sendMessagePromise<{ floor_id: string; level: number }[]>({ type: 'config/floor_registry/list' });
  assert.deepEqual(floors.map((f) => f.floor_id), ['ground_floor', 'first_floor']);
  const labels = await conn.sendMessagePromise<{ label_id: string }[]>({ type: 'config/label_registry/list' });
  assert.deepEqual(labels.map((l) => l.label_id), ['energy', 'night_mode', 'security']);
  const devices = await conn.sendMessagePromise<{ id: string; name_by_user: string | null; area_id: string | null }[]>({ type: 'config/device_registry/list' });
  const relay = devices.find((d) => d.name_by_user === 'Kitchen relay');
  assert.equal(relay?.area_id, 'kitchen');
  const entities = await conn.sendMessagePromise<{ entity_id: string; device_id: string | null; area_id: string | null; entity_category: string | null; hidden_by: string | null }[]>({
    type: 'config/entity_registry/list',
  });
  const byId = new Map(entities.map((e) => [e.entity_id, e]));
  assert.equal(byId.get('light.kitchen')?.device_id, relay?.id);
  assert.equal(byId.get('light.kitchen')?.area_id, null, 'follows its device');
  assert.equal(byId.get('light.hallway')?.device_id, relay?.id);
  assert.equal(byId.get('light.hallway')?.area_id, 'hallway', 'overrides its device');
  assert.equal(byId.get('sensor.kitchen_relay_temperature')?.entity_category, 'diagnostic');
  assert.equal(byId.get('sensor.coffee_maker_energy')?.hidden_by, 'user');
  const display = await conn.sendMessagePromise<{ entities: { ei: string }[] }>({ type: 'config/entity_registry/list_for_display' });
  assert.equal(display.entities.length, entities.length);

  const events: HassEvent[] = [];
  const unsubscribe = await conn.subscribeEvents<HassEvent>((event) => events.push(event), 'entity_registry_updated');
  const answer = await conn.sendMessagePromise<{ entity_entry: { area_id: string } }>({ type: 'config/entity_registry/update', entity_id: 'switch.tv', area_id: 'bedroom' });
  assert.equal(answer.entity_entry.area_id, 'bedroom');
  await until(() => events.length === 1, 'entity_registry_updated');
  assert.deepEqual(events[0]?.data, { action: 'update', entity_id: 'switch.tv', changes: { area_id: null } });
  await conn.sendMessagePromise({ type: 'config/entity_registry/update', entity_id: 'switch.tv', area_id: null });
  await until(() => events.length === 2, 'the move back');
  assert.deepEqual(events[1]?.data, { action: 'update', entity_id: 'switch.tv', changes: { area_id: 'bedroom' } });
  await unsubscribe();
});

test('after the core drops the connection the library reconnects and its subscriptions work again', async () => {
  const events: HassEvent[] = [];
  await conn.subscribeEvents<HassEvent>((event) => events.push(event), 'demo_ping');
  let ready = 0;
  conn.addEventListener('ready', () => ready++);
  sim.dropAllConnections();
  await until(() => ready > 0 && sim.activeSubscriptions().some((s) => s.eventTypes.includes('demo_ping')), 'reconnected', 8000);
  sim.fireEvent('demo_ping', { n: 1 });
  await until(() => events.length === 1, 'event after reconnect');
  assert.deepEqual(events[0]?.data, { n: 1 });
});
