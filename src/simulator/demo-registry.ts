/**
 * The demo home's registries: two floors, six areas, three labels, devices with their entities.
 * It holds the cases target resolution must get right (docs/home-assistant.md §18): an entity whose
 * own area overrides its device's (`light.hallway` on the kitchen relay), device-less entities with
 * their own area, diagnostic and hidden entities on devices, labels on an entity, a device and an
 * area. Ids are derived from names, so every simulator has the same ones.
 */
import { createHash } from 'node:crypto';
import type { SimDevice, SimEntity, SimRegistries } from './registries.ts';

/** When the demo home was set up (epoch seconds, as the registries store it). */
const SETUP = 1723650127.123456;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const hex32 = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 32);
/** A config entry id (a ULID) per integration. */
const entryId = (integration: string): string => {
  const digest = createHash('sha256').update(`entry:${integration}`).digest();
  return [...digest.subarray(0, 26)].map((byte) => CROCKFORD[byte % 32]).join('');
};

/** A device's registry id in the demo home, by its key. */
export const demoDeviceId = (key: string): string => hex32(`device:${key}`);

interface DeviceSpec {
  key: string;
  name: string;
  nameByUser?: string;
  area: string | null;
  labels?: string[];
  integration: string;
  manufacturer: string;
  model: string;
}

interface EntitySpec {
  entityId: string;
  platform: string;
  /** Device key. */
  device?: string;
  area?: string;
  labels?: string[];
  hidden?: boolean;
  category?: 'config' | 'diagnostic';
  originalName: string;
  hasEntityName?: boolean;
  translationKey?: string;
  precision?: number;
}

const DEVICES: DeviceSpec[] = [
  { key: 'living_room_multisensor', name: 'LUMI lumi.weather', nameByUser: 'Living room multisensor', area: 'living_room', integration: 'zha', manufacturer: 'LUMI', model: 'lumi.weather' },
  { key: 'living_room_ceiling', name: 'Hue white and color ambiance', nameByUser: 'Living room ceiling', area: 'living_room', integration: 'hue', manufacturer: 'Signify', model: 'LCA001' },
  { key: 'living_room_thermostat', name: 'Living room thermostat', area: 'living_room', integration: 'zha', manufacturer: 'Danfoss', model: 'eTRV0100' },
  { key: 'living_room_blinds', name: 'Living room blinds', area: 'living_room', integration: 'zha', manufacturer: 'IKEA of Sweden', model: 'FYRTUR' },
  { key: 'tv', name: 'Samsung TV', nameByUser: 'TV', area: 'living_room', integration: 'samsungtv', manufacturer: 'Samsung', model: 'QE55Q80' },
  { key: 'kitchen_relay', name: 'shellyplus2pm-a8032ab1c2d4', nameByUser: 'Kitchen relay', area: 'kitchen', integration: 'shelly', manufacturer: 'Shelly', model: 'Shelly Plus 2PM' },
  { key: 'coffee_maker_plug', name: 'Coffee maker plug', area: 'kitchen', labels: ['energy'], integration: 'mqtt', manufacturer: 'NOUS', model: 'A1T' },
  { key: 'kitchen_motion', name: 'Kitchen motion', area: 'kitchen', integration: 'zha', manufacturer: 'Philips', model: 'SML001' },
  { key: 'hallway_motion', name: 'Hallway motion', area: 'hallway', labels: ['security'], integration: 'zha', manufacturer: 'Philips', model: 'SML001' },
  { key: 'front_door', name: 'Front door contact', area: 'hallway', labels: ['security'], integration: 'zha', manufacturer: 'Aqara', model: 'MCCGQ11LM' },
  { key: 'bedroom_thermostat', name: 'Bedroom thermostat', area: 'bedroom', integration: 'zha', manufacturer: 'Danfoss', model: 'eTRV0100' },
  { key: 'bedroom_light', name: 'Hue white ambiance', nameByUser: 'Bedroom light', area: 'bedroom', integration: 'hue', manufacturer: 'Signify', model: 'LTA001' },
  { key: 'back_window', name: 'Back window contact', area: 'bedroom', labels: ['security'], integration: 'zha', manufacturer: 'Aqara', model: 'MCCGQ11LM' },
  { key: 'office_desk_lamp', name: 'Hue go', nameByUser: 'Office desk lamp', area: 'office', integration: 'hue', manufacturer: 'Signify', model: 'LLC020' },
  { key: 'office_air', name: 'Airthings Wave Plus', area: 'office', integration: 'airthings', manufacturer: 'Airthings', model: 'Wave Plus' },
  { key: 'energy_meter', name: 'Smart meter', area: null, labels: ['energy'], integration: 'dsmr', manufacturer: 'Landis+Gyr', model: 'E360' },
  { key: 'alice_phone', name: "Alice's phone", area: null, integration: 'mobile_app', manufacturer: 'Google', model: 'Pixel 8' },
];

const ENTITIES: EntitySpec[] = [
  { entityId: 'sensor.living_room_temperature', platform: 'zha', device: 'living_room_multisensor', originalName: 'Temperature', hasEntityName: true, precision: 1 },
  { entityId: 'sensor.living_room_humidity', platform: 'zha', device: 'living_room_multisensor', originalName: 'Humidity', hasEntityName: true, precision: 0 },
  { entityId: 'sensor.living_room_multisensor_battery', platform: 'zha', device: 'living_room_multisensor', category: 'diagnostic', originalName: 'Battery', hasEntityName: true, precision: 0 },
  { entityId: 'light.living_room_ceiling', platform: 'hue', device: 'living_room_ceiling', originalName: 'Living room ceiling' },
  { entityId: 'climate.living_room', platform: 'zha', device: 'living_room_thermostat', originalName: 'Living Room' },
  { entityId: 'cover.living_room_blinds', platform: 'zha', device: 'living_room_blinds', originalName: 'Living Room Blinds' },
  { entityId: 'switch.tv', platform: 'samsungtv', device: 'tv', originalName: 'TV' },
  // The kitchen relay's second channel lights the hallway: its own area overrides the device's.
  { entityId: 'light.kitchen', platform: 'shelly', device: 'kitchen_relay', originalName: 'Channel 1', hasEntityName: true },
  { entityId: 'light.hallway', platform: 'shelly', device: 'kitchen_relay', area: 'hallway', originalName: 'Channel 2', hasEntityName: true },
  { entityId: 'sensor.kitchen_relay_temperature', platform: 'shelly', device: 'kitchen_relay', category: 'diagnostic', originalName: 'Device temperature', hasEntityName: true, translationKey: 'device_temperature', precision: 1 },
  { entityId: 'switch.coffee_maker', platform: 'mqtt', device: 'coffee_maker_plug', originalName: 'Coffee Maker' },
  { entityId: 'sensor.coffee_maker_energy', platform: 'mqtt', device: 'coffee_maker_plug', hidden: true, originalName: 'ENERGY Total', hasEntityName: true, precision: 3 },
  { entityId: 'binary_sensor.kitchen_motion', platform: 'zha', device: 'kitchen_motion', originalName: 'Kitchen Motion' },
  { entityId: 'binary_sensor.hallway_motion', platform: 'zha', device: 'hallway_motion', originalName: 'Hallway Motion' },
  { entityId: 'binary_sensor.front_door', platform: 'zha', device: 'front_door', originalName: 'Front Door' },
  { entityId: 'climate.bedroom', platform: 'zha', device: 'bedroom_thermostat', originalName: 'Bedroom' },
  { entityId: 'sensor.bedroom_temperature', platform: 'zha', device: 'bedroom_thermostat', originalName: 'Temperature', hasEntityName: true, precision: 1 },
  { entityId: 'light.bedroom', platform: 'hue', device: 'bedroom_light', originalName: 'Bedroom' },
  { entityId: 'binary_sensor.back_window', platform: 'zha', device: 'back_window', originalName: 'Back Window' },
  { entityId: 'light.office_desk', platform: 'hue', device: 'office_desk_lamp', originalName: 'Office Desk' },
  { entityId: 'sensor.office_co2', platform: 'airthings', device: 'office_air', originalName: 'CO2', hasEntityName: true, precision: 0 },
  { entityId: 'sensor.house_power', platform: 'dsmr', device: 'energy_meter', originalName: 'Power consumption', hasEntityName: true, precision: 1 },
  { entityId: 'sensor.energy_today', platform: 'dsmr', device: 'energy_meter', originalName: 'Energy consumption', hasEntityName: true, precision: 3 },
  { entityId: 'sensor.phone_battery', platform: 'mobile_app', device: 'alice_phone', originalName: 'Battery level', hasEntityName: true },
  // Without a device: their own area, or none.
  { entityId: 'switch.dehumidifier', platform: 'template', area: 'bedroom', originalName: 'Dehumidifier' },
  { entityId: 'light.porch', platform: 'mqtt', labels: ['security'], originalName: 'Porch' },
  { entityId: 'switch.garden_pump', platform: 'template', area: 'garden', originalName: 'Garden Pump' },
  { entityId: 'cover.garage_door', platform: 'mqtt', originalName: 'Garage Door' },
  { entityId: 'sensor.outdoor_temperature', platform: 'met', originalName: 'Outdoor Temperature' },
  { entityId: 'weather.home', platform: 'met', originalName: 'Home' },
  { entityId: 'automation.kitchen_motion_lights', platform: 'automation', area: 'kitchen', originalName: 'Kitchen motion lights' },
  { entityId: 'automation.hallway_motion_lights', platform: 'automation', area: 'hallway', originalName: 'Hallway motion lights' },
  { entityId: 'automation.front_door_evening', platform: 'automation', labels: ['security'], originalName: 'Front door opens in the evening' },
  { entityId: 'script.evening_lights', platform: 'script', originalName: 'Evening lights' },
  { entityId: 'script.good_night', platform: 'script', labels: ['night_mode'], originalName: 'Good night' },
  { entityId: 'person.alice', platform: 'person', originalName: 'Alice' },
  { entityId: 'person.bob', platform: 'person', originalName: 'Bob' },
  { entityId: 'sun.sun', platform: 'sun', originalName: 'Sun' },
];

/** The states of the entities the registry adds to the demo home (diagnostic and hidden ones). */
export const REGISTRY_ONLY_STATES: [string, string, Record<string, unknown>][] = [
  ['sensor.living_room_multisensor_battery', '87', { state_class: 'measurement', unit_of_measurement: '%', device_class: 'battery', friendly_name: 'Living room multisensor Battery' }],
  ['sensor.kitchen_relay_temperature', '41.3', { state_class: 'measurement', unit_of_measurement: '°C', device_class: 'temperature', friendly_name: 'Kitchen relay Device temperature' }],
  ['sensor.coffee_maker_energy', '12.418', { state_class: 'total_increasing', unit_of_measurement: 'kWh', device_class: 'energy', friendly_name: 'Coffee maker plug ENERGY Total' }],
];

function device(spec: DeviceSpec): SimDevice {
  const entry = entryId(spec.integration);
  const id = demoDeviceId(spec.key);
  return {
    area_id: spec.area,
    configuration_url: null,
    config_entries: [entry],
    config_entries_subentries: { [entry]: [null] },
    connections: [],
    created_at: SETUP,
    disabled_by: null,
    entry_type: null,
    hw_version: null,
    id,
    identifiers: [[spec.integration, id.slice(0, 12)]],
    labels: spec.labels ?? [],
    manufacturer: spec.manufacturer,
    model: spec.model,
    model_id: null,
    modified_at: SETUP,
    name_by_user: spec.nameByUser ?? null,
    name: spec.name,
    primary_config_entry: entry,
    serial_number: null,
    sw_version: null,
    via_device_id: null,
  };
}

function entity(spec: EntitySpec): SimEntity {
  const yamlOnly = spec.platform === 'automation' || spec.platform === 'script' || spec.platform === 'person' || spec.platform === 'sun';
  return {
    area_id: spec.area ?? null,
    categories: {},
    config_entry_id: yamlOnly ? null : entryId(spec.platform),
    config_subentry_id: null,
    created_at: SETUP,
    device_id: spec.device ? demoDeviceId(spec.device) : null,
    disabled_by: null,
    entity_category: spec.category ?? null,
    entity_id: spec.entityId,
    has_entity_name: spec.hasEntityName ?? false,
    hidden_by: spec.hidden ? 'user' : null,
    icon: null,
    id: hex32(`entity:${spec.entityId}`),
    labels: spec.labels ?? [],
    modified_at: SETUP,
    name: null,
    options: spec.precision === undefined ? {} : { sensor: { suggested_display_precision: spec.precision } },
    original_name: spec.originalName,
    platform: spec.platform,
    translation_key: spec.translationKey ?? null,
    unique_id: hex32(`unique:${spec.entityId}`).slice(0, 16),
  };
}

/** Fills the registries with the demo home (no events: nobody listens while the home is built). */
export function populateDemoRegistry(registries: SimRegistries): void {
  const floor = (floor_id: string, name: string, level: number, icon: string) =>
    registries.floors.set(floor_id, { aliases: [], created_at: SETUP, floor_id, icon, level, name, modified_at: SETUP });
  floor('ground_floor', 'Ground Floor', 0, 'mdi:home-floor-0');
  floor('first_floor', 'First Floor', 1, 'mdi:home-floor-1');

  const label = (label_id: string, name: string, color: string, icon: string, description: string | null) =>
    registries.labels.set(label_id, { color, created_at: SETUP, description, icon, label_id, name, modified_at: SETUP });
  label('energy', 'Energy', 'amber', 'mdi:lightning-bolt', 'Metered loads');
  label('night_mode', 'Night mode', 'indigo', 'mdi:weather-night', null);
  label('security', 'Security', 'red', 'mdi:shield-home', 'Doors, windows and motion');

  const area = (area_id: string, name: string, floor_id: string | null, icon: string, labels: string[] = [], temperature: string | null = null) =>
    registries.areas.set(area_id, {
      aliases: [],
      area_id,
      floor_id,
      humidity_entity_id: null,
      icon,
      labels,
      name,
      picture: null,
      temperature_entity_id: temperature,
      created_at: SETUP,
      modified_at: SETUP,
    });
  area('living_room', 'Living Room', 'ground_floor', 'mdi:sofa', [], 'sensor.living_room_temperature');
  area('kitchen', 'Kitchen', 'ground_floor', 'mdi:stove');
  area('hallway', 'Hallway', 'ground_floor', 'mdi:door');
  area('bedroom', 'Bedroom', 'first_floor', 'mdi:bed', ['night_mode'], 'sensor.bedroom_temperature');
  area('office', 'Office', 'first_floor', 'mdi:desk');
  area('garden', 'Garden', null, 'mdi:flower');

  for (const spec of DEVICES) registries.devices.set(demoDeviceId(spec.key), device(spec));
  for (const spec of ENTITIES) registries.entities.set(spec.entityId, entity(spec));
}
