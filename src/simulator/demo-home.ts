/**
 * The believable demo home: 38 entities across light, switch, sensor, binary_sensor, climate,
 * cover, automation, script, person, sun and weather, plus the automations and scripts that tie
 * them together (motion turns lights on; an evening routine runs a script). Its floors, areas,
 * labels and devices are in `demo-registry.ts`.
 */
import type { SimulatedCore } from './core.ts';
import { installAutomations, installScripts, type AutomationDef, type ScriptDef } from './automations.ts';
import { REGISTRY_ONLY_STATES, populateDemoRegistry } from './demo-registry.ts';
import { installHomeServices, lightOffAttributes } from './home-services.ts';

const LIGHTS: [string, string][] = [
  ['light.living_room_ceiling', 'Living Room Ceiling'],
  ['light.kitchen', 'Kitchen'],
  ['light.hallway', 'Hallway'],
  ['light.bedroom', 'Bedroom'],
  ['light.office_desk', 'Office Desk'],
  ['light.porch', 'Porch'],
];

const SWITCHES: [string, string, string][] = [
  ['switch.coffee_maker', 'Coffee Maker', 'outlet'],
  ['switch.tv', 'TV', 'outlet'],
  ['switch.garden_pump', 'Garden Pump', 'switch'],
  ['switch.dehumidifier', 'Dehumidifier', 'outlet'],
];

/** entity, name, initial value, attributes beyond friendly_name. */
const SENSORS: [string, string, string, Record<string, unknown>][] = [
  ['sensor.living_room_temperature', 'Living Room Temperature', '21.2', { state_class: 'measurement', unit_of_measurement: '°C', device_class: 'temperature' }],
  ['sensor.bedroom_temperature', 'Bedroom Temperature', '21.4', { state_class: 'measurement', unit_of_measurement: '°C', device_class: 'temperature' }],
  ['sensor.outdoor_temperature', 'Outdoor Temperature', '17.8', { state_class: 'measurement', unit_of_measurement: '°C', device_class: 'temperature' }],
  ['sensor.living_room_humidity', 'Living Room Humidity', '48', { state_class: 'measurement', unit_of_measurement: '%', device_class: 'humidity' }],
  ['sensor.office_co2', 'Office CO2', '612', { state_class: 'measurement', unit_of_measurement: 'ppm', device_class: 'carbon_dioxide' }],
  ['sensor.house_power', 'House Power', '412.5', { state_class: 'measurement', unit_of_measurement: 'W', device_class: 'power' }],
  ['sensor.energy_today', 'Energy Today', '6.214', { state_class: 'total_increasing', unit_of_measurement: 'kWh', device_class: 'energy' }],
  ['sensor.phone_battery', 'Phone Battery', '83', { state_class: 'measurement', unit_of_measurement: '%', device_class: 'battery' }],
];

const BINARY_SENSORS: [string, string, string][] = [
  ['binary_sensor.hallway_motion', 'Hallway Motion', 'motion'],
  ['binary_sensor.kitchen_motion', 'Kitchen Motion', 'motion'],
  ['binary_sensor.front_door', 'Front Door', 'door'],
  ['binary_sensor.back_window', 'Back Window', 'window'],
];

export const DEMO_SCRIPTS: ScriptDef[] = [
  {
    entityId: 'script.evening_lights',
    name: 'Evening lights',
    sequence: [
      { service: 'light.turn_on', data: { entity_id: ['light.living_room_ceiling', 'light.porch'], brightness_pct: 70 } },
      { service: 'cover.close_cover', data: { entity_id: 'cover.living_room_blinds' } },
    ],
  },
  {
    entityId: 'script.good_night',
    name: 'Good night',
    sequence: [
      { service: 'light.turn_off', data: { entity_id: 'all' } },
      { service: 'switch.turn_off', data: { entity_id: ['switch.tv', 'switch.coffee_maker'] } },
      { service: 'climate.set_temperature', data: { entity_id: 'climate.bedroom', temperature: 18 } },
    ],
  },
];

export const DEMO_AUTOMATIONS: AutomationDef[] = [
  {
    entityId: 'automation.hallway_motion_lights',
    name: 'Hallway motion lights',
    trigger: { entityId: 'binary_sensor.hallway_motion', to: 'on' },
    sequence: [{ service: 'light.turn_on', data: { entity_id: 'light.hallway' } }],
  },
  {
    entityId: 'automation.kitchen_motion_lights',
    name: 'Kitchen motion lights',
    trigger: { entityId: 'binary_sensor.kitchen_motion', to: 'on' },
    sequence: [{ service: 'light.turn_on', data: { entity_id: 'light.kitchen', brightness_pct: 80 } }],
  },
  {
    entityId: 'automation.front_door_evening',
    name: 'Front door opens in the evening',
    trigger: { entityId: 'binary_sensor.front_door', to: 'on' },
    sequence: [{ service: 'script.turn_on', data: { entity_id: 'script.evening_lights' } }],
  },
];

/** Fills the core with the demo home's entities and installs its services, scripts and automations. */
export function populateDemoHome(core: SimulatedCore): void {
  const context = () => core.context();
  const set = (id: string, state: string, attributes: Record<string, unknown>) => core.states.set(id, state, attributes, context());

  for (const [id, name] of LIGHTS) {
    // Key order as core's light entity writes it (fixtures): capability, color state, then name and features.
    const capabilities = { min_color_temp_kelvin: 2202, max_color_temp_kelvin: 6535, supported_color_modes: ['color_temp', 'xy'] };
    set(id, 'off', { ...lightOffAttributes(capabilities), friendly_name: name, supported_features: 40 });
  }
  for (const [id, name, deviceClass] of SWITCHES) set(id, 'off', { device_class: deviceClass, friendly_name: name });
  for (const [id, name, value, attributes] of SENSORS) set(id, value, { ...attributes, friendly_name: name });
  for (const [id, name, deviceClass] of BINARY_SENSORS) set(id, 'off', { device_class: deviceClass, friendly_name: name });

  const climate = (name: string, current: number, target: number) => ({
    hvac_modes: ['off', 'heat', 'auto'],
    min_temp: 7,
    max_temp: 35,
    target_temp_step: 0.5,
    current_temperature: current,
    temperature: target,
    friendly_name: name,
    supported_features: 385,
  });
  set('climate.living_room', 'heat', climate('Living Room', 21.2, 21));
  set('climate.bedroom', 'auto', climate('Bedroom', 21.4, 19.5));

  set('cover.living_room_blinds', 'open', { current_position: 100, device_class: 'blind', friendly_name: 'Living Room Blinds', supported_features: 15 });
  set('cover.garage_door', 'closed', { current_position: 0, device_class: 'garage', friendly_name: 'Garage Door', supported_features: 15 });

  const person = (name: string, userId: string) => ({ editable: true, id: name.toLowerCase(), device_trackers: [`device_tracker.${name.toLowerCase()}_phone`], user_id: userId, friendly_name: name });
  set('person.alice', 'home', person('Alice', core.random.hex(32)));
  set('person.bob', 'not_home', person('Bob', core.random.hex(32)));
  set('sun.sun', 'above_horizon', { next_dawn: null, elevation: 23.4, azimuth: 251.2, rising: false, friendly_name: 'Sun' });
  set('weather.home', 'partlycloudy', { temperature: 17.8, temperature_unit: '°C', humidity: 71, pressure: 1013.2, pressure_unit: 'hPa', wind_speed: 14.4, wind_speed_unit: 'km/h', friendly_name: 'Home' });

  for (const [id, value, attributes] of REGISTRY_ONLY_STATES) set(id, value, attributes);
  populateDemoRegistry(core.registries);

  installHomeServices(core);
  installScripts(core, DEMO_SCRIPTS);
  installAutomations(core, DEMO_AUTOMATIONS);
}
