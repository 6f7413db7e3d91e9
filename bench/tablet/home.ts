/**
 * The wall-tablet bench's home: 300 entities in 30 rooms of 10 (four lights with the attributes a
 * real colour light has, temperature, humidity and power sensors, a switch, a motion sensor and a
 * speaker), and the changes a busy home makes, drawn from a seeded generator so every run and
 * every variant sees the same sequence.
 */

export const ROOMS = 30;
export const TABLET_ROOM = 'kitchen';
/**
 * Each room is an area of the simulated registry, named `Tablet <Room>` (the demo home has its own
 * `kitchen` area, whose entities would join the selection): the tablet's is `tablet_kitchen`.
 */
export const areaName = (i: number): string => `Tablet ${title(roomName(i))}`;
export const TABLET_AREA = 'tablet_kitchen';

export interface BenchEntity {
  id: string;
  state: string;
  attributes: Record<string, unknown>;
}

const roomName = (i: number) => (i === 0 ? TABLET_ROOM : `room_${String(i)}`);
const title = (s: string) => s.replaceAll('_', ' ').replace(/\b\w/g, (c) => c.toUpperCase());

function light(room: string, name: string): BenchEntity {
  return {
    id: `light.${room}_${name}`,
    state: 'on',
    attributes: {
      min_color_temp_kelvin: 2202,
      max_color_temp_kelvin: 6535,
      supported_color_modes: ['color_temp', 'xy'],
      color_mode: 'color_temp',
      brightness: 128,
      color_temp_kelvin: 2732,
      hs_color: [28.874, 72.522],
      rgb_color: [255, 167, 70],
      xy_color: [0.524, 0.387],
      friendly_name: `${title(room)} ${title(name)}`,
      supported_features: 40,
    },
  };
}

function sensor(room: string, kind: string, unit: string, deviceClass: string, value: string): BenchEntity {
  return {
    id: `sensor.${room}_${kind}`,
    state: value,
    attributes: { state_class: 'measurement', unit_of_measurement: unit, device_class: deviceClass, friendly_name: `${title(room)} ${title(kind)}` },
  };
}

/** The ten entities of one room. */
export function room(i: number): BenchEntity[] {
  const r = roomName(i);
  return [
    light(r, 'ceiling'),
    light(r, 'counter'),
    light(r, 'island'),
    light(r, 'pendant'),
    sensor(r, 'temperature', '°C', 'temperature', '21.4'),
    sensor(r, 'humidity', '%', 'humidity', '48'),
    sensor(r, 'power', 'W', 'power', '120.5'),
    { id: `switch.${r}_coffee`, state: 'off', attributes: { friendly_name: `${title(r)} Coffee` } },
    { id: `binary_sensor.${r}_motion`, state: 'off', attributes: { device_class: 'motion', friendly_name: `${title(r)} Motion` } },
    {
      id: `media_player.${r}_speaker`,
      state: 'playing',
      attributes: { volume_level: 0.3, is_volume_muted: false, media_title: 'Morning News', friendly_name: `${title(r)} Speaker`, supported_features: 152461 },
    },
  ];
}

export function home(): BenchEntity[] {
  return Array.from({ length: ROOMS }, (_, i) => room(i)).flat();
}

/** The next state of `entity`, as Home Assistant would write it after a change. */
export function change(entity: BenchEntity, random: () => number): BenchEntity {
  const attributes = { ...entity.attributes };
  let state = entity.state;
  const domain = entity.id.slice(0, entity.id.indexOf('.'));
  if (domain === 'light') {
    // Half the changes dim the light; the others change its colour temperature, which core
    // reports in every colour space the light has.
    if (random() < 0.5) attributes.brightness = 1 + Math.floor(random() * 254);
    else {
      attributes.color_temp_kelvin = 2200 + Math.floor(random() * 4300);
      attributes.hs_color = [Math.round(random() * 36000) / 1000, Math.round(random() * 100000) / 1000];
      attributes.rgb_color = [255, Math.floor(random() * 256), Math.floor(random() * 256)];
      attributes.xy_color = [Math.round(random() * 1000) / 1000, Math.round(random() * 1000) / 1000];
    }
  } else if (domain === 'sensor') {
    state = (Number(state) + (random() - 0.5)).toFixed(1);
  } else if (domain === 'media_player') {
    attributes.volume_level = Math.round(random() * 100) / 100;
  } else {
    state = state === 'on' ? 'off' : 'on';
  }
  return { id: entity.id, state, attributes };
}
