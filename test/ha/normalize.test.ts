/** Normalization of each core event fixture into the product's payloads (DOCS.md). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseCoreEvent, type CoreEvent } from '../../src/ha/messages.ts';
import { coreTypeOf, domainOf, normalizeEvent, productTypeOf } from '../../src/ha/normalize.ts';

const eventOf = (name: string): CoreEvent => {
  const message = JSON.parse(readFileSync(new URL(`../fixtures/ha-ws/${name}.json`, import.meta.url), 'utf8')) as { event: unknown };
  const event = parseCoreEvent(message.event);
  assert.ok(event, name);
  return event;
};

const RECEIVED = 1_755_196_958_000;

test('state_changed', () => {
  const core = eventOf('event_state_changed');
  const event = normalizeEvent(core, RECEIVED);
  const newState = core.data.new_state as Record<string, unknown>;
  assert.equal(event.type, 'state_changed');
  assert.deepEqual(event.data, {
    entity_id: 'light.living_room_ceiling',
    state: 'on',
    attributes: newState.attributes,
    last_changed: '2025-08-14T18:42:37.391872+00:00',
    last_updated: '2025-08-14T18:42:37.391872+00:00',
    old_state: core.data.old_state,
  });
  assert.deepEqual(Object.keys(event.data as object), ['entity_id', 'state', 'attributes', 'last_changed', 'last_updated', 'old_state']);
  assert.equal(event.timestamp, '2025-08-14T18:42:37.391Z');
  assert.equal(event.firedAt, Date.parse('2025-08-14T18:42:37.391Z'));
  assert.equal(event.receivedAt, RECEIVED);
  assert.deepEqual(event.entityIds, ['light.living_room_ceiling']);
  assert.deepEqual(event.domains, ['light']);
});

test('state_changed for an added entity (old_state null) and a removed one (new_state null)', () => {
  const core = eventOf('event_state_changed');
  const added = normalizeEvent({ ...core, data: { ...core.data, old_state: null } }, RECEIVED);
  assert.equal((added.data as { old_state: unknown }).old_state, null);
  const removed = normalizeEvent({ ...core, data: { ...core.data, new_state: null } }, RECEIVED);
  assert.deepEqual(removed.data, {
    entity_id: 'light.living_room_ceiling',
    state: null,
    attributes: {},
    last_changed: core.time_fired,
    last_updated: core.time_fired,
    old_state: core.data.old_state,
  });
  assert.deepEqual(removed.entityIds, ['light.living_room_ceiling']);
});

test('call_service → service_called, concerning the service domain and its targets', () => {
  const event = normalizeEvent(eventOf('event_call_service'), RECEIVED);
  assert.equal(event.type, 'service_called');
  assert.deepEqual(event.data, { domain: 'light', service: 'turn_on', service_data: { brightness_pct: 70, entity_id: ['light.living_room_ceiling'] } });
  assert.deepEqual(event.entityIds, ['light.living_room_ceiling']);
  assert.deepEqual(event.domains, ['light']);
  assert.equal(event.timestamp, '2025-08-14T18:42:37.323Z');

  const core = eventOf('event_call_service');
  const generic = normalizeEvent(
    { ...core, data: { domain: 'homeassistant', service: 'turn_off', service_data: { entity_id: 'switch.tv' } } },
    RECEIVED,
  );
  assert.deepEqual(generic.entityIds, ['switch.tv'], 'a string entity_id');
  assert.deepEqual(generic.domains, ['homeassistant', 'switch']);
  const untargeted = normalizeEvent({ ...core, data: { domain: 'notify', service: 'phone', service_data: {} } }, RECEIVED);
  assert.deepEqual([untargeted.entityIds, untargeted.domains], [[], ['notify']]);
});

test('automation_triggered keeps only the keys core sent', () => {
  const event = normalizeEvent(eventOf('event_automation_triggered'), RECEIVED);
  assert.equal(event.type, 'automation_triggered');
  assert.deepEqual(event.data, {
    automation_id: 'automation.hallway_motion_lights',
    name: 'Hallway motion lights',
    source: 'state of binary_sensor.hallway_motion',
  });
  assert.deepEqual([event.entityIds, event.domains], [['automation.hallway_motion_lights'], ['automation']]);
  const core = eventOf('event_automation_triggered');
  const manual = normalizeEvent({ ...core, data: { name: 'X', entity_id: 'automation.x' } }, RECEIVED);
  assert.deepEqual(manual.data, { automation_id: 'automation.x', name: 'X' }, 'no source key when core sent none');
});

test('script_started → script_executed with status started', () => {
  const event = normalizeEvent(eventOf('event_script_started'), RECEIVED);
  assert.equal(event.type, 'script_executed');
  assert.deepEqual(event.data, { script_id: 'script.evening_lights', name: 'Evening lights', execution_data: { status: 'started' } });
  assert.deepEqual([event.entityIds, event.domains], [['script.evening_lights'], ['script']]);
});

test('other event types pass through with core data unchanged', () => {
  const core = eventOf('event_call_service');
  const data = { action: 'update', entity_id: 'light.kitchen', changes: { name: 'K' } };
  const event = normalizeEvent({ ...core, event_type: 'entity_registry_updated', data }, RECEIVED);
  assert.equal(event.type, 'entity_registry_updated');
  assert.equal(event.data, data);
  assert.deepEqual([event.entityIds, event.domains], [['light.kitchen'], ['light']]);
  const noEntity = normalizeEvent({ ...core, event_type: 'themes_updated', data: { entity_id: ['a.b'] } }, RECEIVED);
  assert.deepEqual(noEntity.entityIds, [], 'only a string entity_id counts for other types');
});

test('type mapping both ways and domainOf', () => {
  assert.equal(productTypeOf('call_service'), 'service_called');
  assert.equal(productTypeOf('script_started'), 'script_executed');
  assert.equal(productTypeOf('state_changed'), 'state_changed');
  assert.equal(coreTypeOf('service_called'), 'call_service');
  assert.equal(coreTypeOf('script_executed'), 'script_started');
  assert.equal(coreTypeOf('*'), '*');
  assert.equal(domainOf('sensor.x'), 'sensor');
  assert.equal(domainOf('nodot'), undefined);
});
