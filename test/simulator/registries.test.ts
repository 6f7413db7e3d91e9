/**
 * The simulated registries against core's frames (test/fixtures/ha-ws/registry_*.json and
 * event_*_registry_updated.json): list answers with core's keys in core's order, compact display
 * entries, update events with the OLD values in `changes`, the area-deletion cascade, permissions.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { HaSimulator } from '../../src/simulator/index.ts';
import { demoDeviceId } from '../../src/simulator/demo-registry.ts';
import { RawClient } from './raw-client.ts';
import { assertSameShape, fixture } from './shape.ts';

type Result = { id: number; type: string; success: boolean; result: unknown; error?: { code: string; message: string } };
type EventFrame = { type: string; event: { event_type: string; data: Record<string, unknown> }; id: number };

const keys = (value: unknown): string[] => Object.keys(value as object);
/** Some fixture context ids are not valid ULIDs (a `U`); the context's shape is checked elsewhere (fixtures.test.ts). */
const noContext = (frame: EventFrame | undefined) => frame && { ...frame, event: { ...frame.event, context: null } };
const results = (name: string) => (fixture(name) as { result: unknown }).result;

let sim: HaSimulator;
before(async () => {
  sim = new HaSimulator({ seed: 5 });
  await sim.start();
});
after(() => sim.stop());

/** Events read while waiting for a result, per client, in order. */
const pending = new WeakMap<RawClient, EventFrame[]>();

async function command(c: RawClient, msg: Record<string, unknown>): Promise<Result> {
  c.send(msg);
  const events = pending.get(c) ?? [];
  pending.set(c, events);
  const answer = await c.until((m) => {
    if (m.type === 'event') events.push(m as unknown as EventFrame);
    return m.id === msg.id && m.type === 'result';
  });
  return answer as unknown as Result;
}

/** The next event frame: one read while waiting for a result, or the next to arrive. */
async function nextEvent(c: RawClient): Promise<EventFrame> {
  const queued = pending.get(c)?.shift();
  return queued ?? ((await c.until((m) => m.type === 'event')) as unknown as EventFrame);
}

test('list commands answer with core keys in core order, for admins and non-admins alike', async () => {
  const c = await RawClient.authenticated(sim.wsUrl, sim.userToken);
  const pairs: [string, string][] = [
    ['config/entity_registry/list', 'registry_entity_list'],
    ['config/device_registry/list', 'registry_device_list'],
    ['config/area_registry/list', 'registry_area_list'],
    ['config/floor_registry/list', 'registry_floor_list'],
    ['config/label_registry/list', 'registry_label_list'],
  ];
  let id = 1;
  for (const [type, name] of pairs) {
    const answer = await command(c, { id: id++, type });
    assert.deepEqual(keys(answer), ['id', 'type', 'success', 'result'], type);
    const list = answer.result as Record<string, unknown>[];
    const expected = results(name) as Record<string, unknown>[];
    assert.ok(list.length >= expected.length, `${type}: the demo home is at least as big as the fixture's`);
    for (const entry of list) assert.deepEqual(keys(entry), keys(expected[0]), `${type}: keys of ${JSON.stringify(entry).slice(0, 80)}`);
  }
  const extra = await command(c, { id: id++, type: 'config/area_registry/list', area_id: 'kitchen' });
  assert.equal(extra.error?.code, 'invalid_format', 'extra keys fail the schema');
  const update = await command(c, { id: id++, type: 'config/entity_registry/update', entity_id: 'light.kitchen', area_id: 'office' });
  assert.equal(update.error?.code, 'unauthorized', 'updates are admin-only');
  c.close();
});

test('the display list is compact: keys omitted when empty, categories as indexes, disabled entities left out', async () => {
  const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
  const answer = await command(c, { id: 1, type: 'config/entity_registry/list_for_display' });
  const expected = results('registry_entity_list_for_display') as { entity_categories: unknown; entities: Record<string, unknown>[] };
  const got = answer.result as { entity_categories: unknown; entities: Record<string, unknown>[] };
  assert.deepEqual(got.entity_categories, expected.entity_categories);
  const entry = (list: Record<string, unknown>[], id: string) => list.find((e) => e.ei === id);
  // The same kinds of entities as in the fixture home, with the same compact keys.
  const analogues: [string, string][] = [
    ['light.kitchen', 'light.kitchen'], // on a device, no own area
    ['light.hallway', 'light.bedroom_ceiling'], // own area overriding the device's
    ['sensor.kitchen_relay_temperature', 'sensor.kitchen_relay_temperature'], // diagnostic
    ['sensor.coffee_maker_energy', 'sensor.washer_energy'], // hidden
    ['automation.kitchen_motion_lights', 'automation.kitchen_lights'], // no device, own area
  ];
  for (const [ours, theirs] of analogues) assertSameShape(entry(got.entities, ours), entry(expected.entities, theirs), ours);
  assert.equal(entry(got.entities, 'sensor.kitchen_relay_temperature')?.ec, 1);

  await command(c, { id: 2, type: 'config/entity_registry/update', entity_id: 'switch.garden_pump', disabled_by: 'user' });
  const after = (await command(c, { id: 3, type: 'config/entity_registry/list_for_display' })).result as typeof got;
  assert.equal(entry(after.entities, 'switch.garden_pump'), undefined, 'disabled: not displayed');
  const full = (await command(c, { id: 4, type: 'config/entity_registry/list' })).result as { entity_id: string; disabled_by: string | null }[];
  assert.equal(full.find((e) => e.entity_id === 'switch.garden_pump')?.disabled_by, 'user', 'the full list keeps it');
  await command(c, { id: 5, type: 'config/entity_registry/update', entity_id: 'switch.garden_pump', disabled_by: null });
  c.close();
});

test('updates fire *_registry_updated with ids and the old values, as core does', async () => {
  const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
  for (const [id, type] of [[1, 'entity_registry_updated'], [2, 'device_registry_updated'], [3, 'area_registry_updated']] as const) {
    await command(c, { id, type: 'subscribe_events', event_type: type });
  }
  const [entityFixture] = fixture('event_entity_registry_updated') as EventFrame[];
  const [deviceFixture] = fixture('event_device_registry_updated') as EventFrame[];
  const [areaCreate, areaUpdate, areaRemove] = fixture('event_area_registry_updated') as EventFrame[];

  // light.kitchen had no own area (it followed its device); now it has one.
  const moved = await command(c, { id: 10, type: 'config/entity_registry/update', entity_id: 'light.kitchen', area_id: 'office' });
  assert.equal((moved.result as { entity_entry: { area_id: string } }).entity_entry.area_id, 'office');
  const entityEvent = await nextEvent(c);
  assertSameShape(noContext(entityEvent), noContext({ ...entityFixture!, id: 1 }), 'entity_registry_updated');
  assert.deepEqual(entityEvent.event.data, { action: 'update', entity_id: 'light.kitchen', changes: { area_id: null } });

  // The coffee maker plug leaves the kitchen.
  const plug = demoDeviceId('coffee_maker_plug');
  await command(c, { id: 11, type: 'config/device_registry/update', device_id: plug, area_id: 'living_room' });
  const deviceEvent = await nextEvent(c);
  assertSameShape(noContext(deviceEvent), noContext({ ...deviceFixture!, id: 2 }), 'device_registry_updated');
  assert.deepEqual(deviceEvent.event.data, { action: 'update', device_id: plug, changes: { area_id: 'kitchen' } });

  // Writing the same value changes nothing and fires nothing; an area update always fires.
  await command(c, { id: 12, type: 'config/device_registry/update', device_id: plug, area_id: 'living_room' });
  const created = await command(c, { id: 13, type: 'config/area_registry/create', name: 'Garage' });
  assert.equal((created.result as { area_id: string }).area_id, 'garage');
  const createEvent = await nextEvent(c);
  assert.equal(createEvent.event.event_type, 'area_registry_updated', 'no device event for the no-op update');
  assertSameShape(noContext(createEvent), noContext({ ...areaCreate!, id: 3 }), 'area create');
  await command(c, { id: 14, type: 'config/area_registry/update', area_id: 'garage' });
  assertSameShape(noContext(await nextEvent(c)), noContext({ ...areaUpdate!, id: 3 }), 'area update without changes');

  // Deleting an area clears it on devices, then entities, then removes it.
  await command(c, { id: 15, type: 'config/device_registry/update', device_id: plug, area_id: 'garage' });
  await nextEvent(c);
  await command(c, { id: 16, type: 'config/entity_registry/update', entity_id: 'light.porch', area_id: 'garage' });
  await nextEvent(c);
  await command(c, { id: 17, type: 'config/area_registry/delete', area_id: 'garage' });
  const cascade = [await nextEvent(c), await nextEvent(c), await nextEvent(c)].map((e) => e.event.data);
  assert.deepEqual(cascade, [
    { action: 'update', device_id: plug, changes: { area_id: 'garage' } },
    { action: 'update', entity_id: 'light.porch', changes: { area_id: 'garage' } },
    { action: 'remove', area_id: 'garage' },
  ]);
  assert.deepEqual(keys(cascade[2]), keys(areaRemove?.event.data), 'area remove: ids only');
  const missing = await command(c, { id: 18, type: 'config/area_registry/delete', area_id: 'garage' });
  assert.equal(missing.error?.code, 'not_found');
  const unknown = await command(c, { id: 19, type: 'config/entity_registry/update', entity_id: 'light.nope', area_id: 'office' });
  assert.deepEqual(unknown.error, { code: 'not_found', message: 'Entity not found' });

  // Disabling a device disables its entities (by device), and enabling it enables them again.
  const meter = demoDeviceId('energy_meter');
  await command(c, { id: 22, type: 'config/device_registry/update', device_id: meter, disabled_by: 'user' });
  const disabling = [await nextEvent(c), await nextEvent(c), await nextEvent(c)].map((e) => e.event.data);
  assert.deepEqual(disabling, [
    { action: 'update', device_id: meter, changes: { disabled_by: null } },
    { action: 'update', entity_id: 'sensor.house_power', changes: { disabled_by: null } },
    { action: 'update', entity_id: 'sensor.energy_today', changes: { disabled_by: null } },
  ]);
  const display = (await command(c, { id: 23, type: 'config/entity_registry/list_for_display' })).result as { entities: { ei: string }[] };
  assert.ok(!display.entities.some((e) => e.ei === 'sensor.house_power'));
  await command(c, { id: 24, type: 'config/device_registry/update', device_id: meter, disabled_by: null });
  const enabling = [await nextEvent(c), await nextEvent(c), await nextEvent(c)].map((e) => e.event.data);
  assert.deepEqual(enabling[1], { action: 'update', entity_id: 'sensor.house_power', changes: { disabled_by: 'device' } });

  // Restore the demo home for the other tests in this file.
  assert.ok((await command(c, { id: 25, type: 'config/entity_registry/update', entity_id: 'light.kitchen', area_id: null })).success);
  assert.ok((await command(c, { id: 26, type: 'config/device_registry/update', device_id: plug, area_id: 'kitchen' })).success);
  c.close();
});

test('an entity registered after start fires a create event and lists with its area', async () => {
  const c = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
  await command(c, { id: 1, type: 'subscribe_events', event_type: 'entity_registry_updated' });
  sim.core.registries.createEntity('light.shed', 'template', { area_id: 'garden', original_name: 'Shed' });
  assert.deepEqual((await nextEvent(c)).event.data, { action: 'create', entity_id: 'light.shed' });
  const display = (await command(c, { id: 2, type: 'config/entity_registry/list_for_display' })).result as { entities: Record<string, unknown>[] };
  assert.deepEqual(display.entities.find((e) => e.ei === 'light.shed'), { ei: 'light.shed', pl: 'template', ai: 'garden', lb: [], en: 'Shed' });
  assert.throws(() => sim.core.registries.createEntity('light.shed', 'template'), /already registered/);
  c.close();
});
