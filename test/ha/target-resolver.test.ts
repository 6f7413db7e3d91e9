/**
 * Target resolution on the fixture home (test/fixtures/ha-ws/registry_*.json), against core's rules
 * (docs/home-assistant.md §18): the worked examples, from both entity list forms.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { EntitySelectors } from '../../src/base/types.ts';
import {
  type RegistryLists,
  parseAreaList,
  parseDeviceList,
  parseEntityList,
  parseFloorList,
  parseLabelList,
} from '../../src/ha/registry/registry-lists.ts';
import { TargetResolver } from '../../src/ha/registry/target-resolver.ts';

const result = (name: string): unknown => (JSON.parse(readFileSync(new URL(`../fixtures/ha-ws/${name}.json`, import.meta.url), 'utf8')) as { result: unknown }).result;

function lists(entityList: string): RegistryLists {
  return {
    entities: parseEntityList(result(entityList)),
    devices: parseDeviceList(result('registry_device_list')),
    areas: parseAreaList(result('registry_area_list')),
    floors: parseFloorList(result('registry_floor_list')),
    labels: parseLabelList(result('registry_label_list')),
  };
}

const RELAY = '8f3a1c0e5b7d4e2a9c6f1b3d5e7a9c2b';
const PLUG = '2d4f6a8c0e1b3d5f7a9c1e3b5d7f9a0c';
const NONE: EntitySelectors = { areas: [], floors: [], labels: [], devices: [], integrations: [] };
const KITCHEN = ['automation.kitchen_lights', 'light.kitchen', 'sensor.washer_power', 'switch.coffee_maker', 'switch.washer'];

const CASES: { name: string; selectors: Partial<EntitySelectors>; entities: string[] }[] = [
  // Device-inherited (light.kitchen, the washer plug's) and own (coffee maker, automation); not the
  // relay's bedroom_ceiling (own area bedroom), its diagnostic sensor, or the plug's hidden one.
  { name: 'area kitchen', selectors: { areas: ['kitchen'] }, entities: KITCHEN },
  { name: 'area bedroom: the override pulls in an entity of a kitchen device', selectors: { areas: ['bedroom'] }, entities: ['light.bedroom_ceiling', 'sensor.bedroom_temperature'] },
  { name: 'floor ground_floor = its areas (bedroom has no floor)', selectors: { floors: ['ground_floor'] }, entities: KITCHEN },
  { name: 'label energy: the labelled entity and the labelled device, not the hidden one', selectors: { labels: ['energy'] }, entities: ['sensor.washer_power', 'switch.coffee_maker', 'switch.washer'] },
  { name: 'label night_mode: the labelled area', selectors: { labels: ['night_mode'] }, entities: ['light.bedroom_ceiling', 'sensor.bedroom_temperature'] },
  { name: 'device relay: its entities whatever their area, not the diagnostic one', selectors: { devices: [RELAY] }, entities: ['light.bedroom_ceiling', 'light.kitchen'] },
  { name: 'device plug: not the hidden one', selectors: { devices: [PLUG] }, entities: ['sensor.washer_power', 'switch.washer'] },
  { name: 'integration mqtt: every entity of the platform, hidden ones too', selectors: { integrations: ['mqtt'] }, entities: ['sensor.washer_energy', 'sensor.washer_power', 'switch.porch', 'switch.washer'] },
  { name: 'integration shelly: diagnostic ones too', selectors: { integrations: ['shelly'] }, entities: ['light.bedroom_ceiling', 'light.kitchen', 'sensor.kitchen_relay_temperature'] },
  { name: 'a union of selectors', selectors: { areas: ['bedroom'], integrations: ['automation'] }, entities: ['automation.kitchen_lights', 'light.bedroom_ceiling', 'sensor.bedroom_temperature'] },
  { name: 'unknown ids select nothing', selectors: { areas: ['garage'], floors: ['attic'], labels: ['x'], devices: ['0'.repeat(32)], integrations: ['hue'] }, entities: [] },
];

for (const form of ['registry_entity_list_for_display', 'registry_entity_list']) {
  describe(`resolution from ${form}`, () => {
    const resolver = new TargetResolver(lists(form));
    for (const { name, selectors, entities } of CASES) {
      test(name, () => assert.deepEqual([...resolver.resolve({ ...NONE, ...selectors })].sort(), entities));
    }
  });
}

test('the compact form defaults omitted keys; both forms give the same model', () => {
  assert.deepEqual(lists('registry_entity_list_for_display').entities, lists('registry_entity_list').entities);
  const porch = parseEntityList(result('registry_entity_list_for_display')).find((e) => e.entityId === 'switch.porch');
  assert.deepEqual(porch, { entityId: 'switch.porch', platform: 'mqtt', areaId: null, deviceId: null, labels: [], hidden: false, category: null });
});

test('disabled entries of the full list are left out', () => {
  const full = result('registry_entity_list') as Record<string, unknown>[];
  const disabled = full.map((e) => (e.entity_id === 'light.kitchen' ? { ...e, disabled_by: 'user' } : e));
  const resolver = new TargetResolver({ ...lists('registry_entity_list'), entities: parseEntityList(disabled) });
  assert.deepEqual([...resolver.resolve({ ...NONE, devices: [RELAY] })], ['light.bedroom_ceiling']);
});
