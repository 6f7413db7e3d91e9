/**
 * RegistrySync with a real HaConnection and the simulator: reads the registries at connect and
 * after every reconnect, re-reads once per burst of registry events (debounced on a fake clock),
 * and resolves the demo home's selectors.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HaConnection } from '../../src/ha/connection.ts';
import { HaCommandError } from '../../src/ha/errors.ts';
import type { HaCommand } from '../../src/ha/messages.ts';
import { type RegistryConnection, RegistrySync } from '../../src/ha/registry/registry-sync.ts';
import type { EntitySelectors } from '../../src/base/types.ts';
import { HaSimulator } from '../../src/simulator/index.ts';
import { demoDeviceId } from '../../src/simulator/demo-registry.ts';
import { FakeClock } from '../fake-clock.ts';
import { ping } from '../../src/ha/messages.ts';
import { captureLogger } from './helpers.ts';
import { until } from '../until.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const NONE: EntitySelectors = { areas: [], floors: [], labels: [], devices: [], integrations: [] };
const sorted = (set: ReadonlySet<string>) => [...set].sort();

async function setup() {
  const sim = new HaSimulator({ seed: 21 });
  await sim.start();
  cleanups.push(() => sim.stop());
  const { logger } = captureLogger();
  const connection = new HaConnection({ url: sim.wsUrl, token: sim.userToken, logger, backoffBaseMs: 20, backoffCapMs: 100 });
  const clock = new FakeClock(0);
  const sync = new RegistrySync({ connection, logger, timers: clock, debounceMs: 250 });
  let changes = 0;
  sync.onChange(() => changes++);
  await sync.start();
  await connection.start();
  cleanups.push(async () => {
    await sync.stop();
    await connection.stop();
  });
  await until(() => sync.reads === 1, 'first read');
  return { sim, connection, clock, sync, changes: () => changes };
}

test('reads the five lists at connect (as a non-admin) and resolves the demo home', async () => {
  const { sim, sync, changes } = await setup();
  assert.equal(changes(), 1);
  const subscribed = sim.activeSubscriptions().flatMap((s) => s.eventTypes).sort();
  assert.deepEqual(subscribed, ['area_registry_updated', 'device_registry_updated', 'entity_registry_updated', 'floor_registry_updated', 'label_registry_updated']);
  // Ids with the names Home Assistant shows, for pickers.
  assert.deepEqual(sync.lists.floors, [{ id: 'ground_floor', name: 'Ground Floor' }, { id: 'first_floor', name: 'First Floor' }]);
  assert.deepEqual(sync.lists.labels.map((l) => l.name), ['Energy', 'Night mode', 'Security']);
  assert.equal(sync.lists.areas.find((a) => a.id === 'living_room')?.name, 'Living Room');
  assert.equal(sync.lists.devices.find((d) => d.id === demoDeviceId('kitchen_relay'))?.name, 'Kitchen relay', "the user's name first");
  assert.equal(sync.lists.devices.find((d) => d.id === demoDeviceId('front_door'))?.name, 'Front door contact');
  // light.kitchen follows the kitchen relay; light.hallway (same relay) has its own area; the
  // relay's diagnostic sensor and the plug's hidden one stay out.
  assert.deepEqual(sorted(sync.resolve({ ...NONE, areas: ['kitchen'] })), ['automation.kitchen_motion_lights', 'binary_sensor.kitchen_motion', 'light.kitchen', 'switch.coffee_maker']);
  assert.deepEqual(sorted(sync.resolve({ ...NONE, areas: ['hallway'] })), ['automation.hallway_motion_lights', 'binary_sensor.front_door', 'binary_sensor.hallway_motion', 'light.hallway']);
  assert.deepEqual(sorted(sync.resolve({ ...NONE, devices: [demoDeviceId('kitchen_relay')] })), ['light.hallway', 'light.kitchen']);
  assert.deepEqual(sorted(sync.resolve({ ...NONE, floors: ['first_floor'] })), [
    'binary_sensor.back_window',
    'climate.bedroom',
    'light.bedroom',
    'light.office_desk',
    'sensor.bedroom_temperature',
    'sensor.office_co2',
    'switch.dehumidifier',
  ]);
  assert.deepEqual(sorted(sync.resolve({ ...NONE, labels: ['night_mode'] })), [
    'binary_sensor.back_window',
    'climate.bedroom',
    'light.bedroom',
    'script.good_night',
    'sensor.bedroom_temperature',
    'switch.dehumidifier',
  ]);
  assert.deepEqual(sorted(sync.resolve({ ...NONE, integrations: ['hue'] })), ['light.bedroom', 'light.living_room_ceiling', 'light.office_desk']);
});

test('a burst of registry events is one re-read, after the debounce', async () => {
  const { sim, connection, clock, sync, changes } = await setup();
  const registries = sim.core.registries;
  registries.updateEntity('light.kitchen', { area_id: 'office' });
  registries.updateDevice(demoDeviceId('coffee_maker_plug'), { area_id: 'living_room' });
  registries.updateArea('garden', { floor_id: 'ground_floor' });
  // The ping's answer comes after the three events, so all of them have been read.
  await connection.command(ping());
  assert.equal(clock.pending, 1, 'one debounce timer for the burst');
  clock.advance(249);
  assert.equal(sync.reads, 1, 'nothing read before the debounce ends');
  clock.advance(1);
  await until(() => sync.reads === 2, 'the re-read');
  assert.equal(changes(), 2);
  assert.deepEqual(sorted(sync.resolve({ ...NONE, areas: ['kitchen'] })), ['automation.kitchen_motion_lights', 'binary_sensor.kitchen_motion']);
  assert.ok(sync.resolve({ ...NONE, areas: ['office'] }).has('light.kitchen'));
  assert.ok(sync.resolve({ ...NONE, floors: ['ground_floor'] }).has('switch.garden_pump'), 'the garden moved onto the floor');
});

test('re-reads after every reconnect (events are not replayed)', async () => {
  const { sim, sync } = await setup();
  sim.dropAllConnections();
  // A change made while the hub is away reaches it only through the read at reconnect.
  sim.core.registries.updateEntity('switch.tv', { area_id: 'bedroom' });
  await until(() => sync.reads === 2, 'read after reconnect', 8000);
  assert.ok(sync.resolve({ ...NONE, areas: ['bedroom'] }).has('switch.tv'));
});

test('a list core refuses reads as empty (a core without floors); the other selectors still work', async () => {
  const fixture = (name: string): unknown =>
    (JSON.parse(readFileSync(new URL(`../fixtures/ha-ws/${name}.json`, import.meta.url), 'utf8')) as { result: unknown }).result;
  const answers: Record<string, unknown> = {
    'config/entity_registry/list_for_display': fixture('registry_entity_list_for_display'),
    'config/device_registry/list': fixture('registry_device_list'),
    'config/area_registry/list': fixture('registry_area_list'),
    'config/label_registry/list': fixture('registry_label_list'),
  };
  const connection: RegistryConnection = {
    connected: true,
    subscribe: () => ({ active: true, id: 1, unsubscribe: async () => {} }),
    onConnected: () => () => {},
    command: async <T>(command: HaCommand) => {
      if (!(command.type in answers)) throw new HaCommandError('unknown_command', 'Unknown command.');
      return answers[command.type] as T;
    },
  };
  const { logger, chunks } = captureLogger();
  const sync = new RegistrySync({ connection, logger, timers: new FakeClock(0) });
  await sync.start();
  await until(() => sync.reads === 1, 'the read');
  assert.deepEqual(sync.lists.floors, []);
  // Floors resolve through the areas' floor_id; the floor list itself is not needed for that.
  assert.deepEqual(sorted(sync.resolve({ ...NONE, floors: ['ground_floor'] })), ['automation.kitchen_lights', 'light.kitchen', 'sensor.washer_power', 'switch.coffee_maker', 'switch.washer']);
  assert.deepEqual(sorted(sync.resolve({ ...NONE, areas: ['bedroom'] })), ['light.bedroom_ceiling', 'sensor.bedroom_temperature']);
  assert.ok(chunks.join('').includes('config/floor_registry/list'), 'the refusal is logged');
  await sync.stop();
});
