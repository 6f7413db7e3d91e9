/**
 * The simulated core's floor, area, label, device and entity registries (docs/home-assistant.md
 * §16): entries in core's key order, the list answers (full and compact display forms), updates
 * that fire `*_registry_updated` with core's payloads (ids only, plus the OLD values in `changes`
 * for entities and devices), and the cascades of an area deletion and of disabling a device.
 * Registry changes never touch the state machine, as in core.
 */
import { randomBytes } from 'node:crypto';
import type { EventBus } from './event-bus.ts';
import type { HaContext } from '../ha/messages.ts';
import { epochSeconds, type MicroClock } from './time.ts';

export interface SimFloor {
  aliases: string[];
  created_at: number;
  floor_id: string;
  icon: string | null;
  level: number | null;
  name: string;
  modified_at: number;
}

export interface SimArea {
  aliases: string[];
  area_id: string;
  floor_id: string | null;
  humidity_entity_id: string | null;
  icon: string | null;
  labels: string[];
  name: string;
  picture: string | null;
  temperature_entity_id: string | null;
  created_at: number;
  modified_at: number;
}

export interface SimLabel {
  color: string | null;
  created_at: number;
  description: string | null;
  icon: string | null;
  label_id: string;
  name: string;
  modified_at: number;
}

/** `DeviceEntry.dict_repr` (2025.x). */
export interface SimDevice {
  area_id: string | null;
  configuration_url: string | null;
  config_entries: string[];
  config_entries_subentries: Record<string, (string | null)[]>;
  connections: [string, string][];
  created_at: number;
  disabled_by: string | null;
  entry_type: string | null;
  hw_version: string | null;
  id: string;
  identifiers: [string, string][];
  labels: string[];
  manufacturer: string | null;
  model: string | null;
  model_id: string | null;
  modified_at: number;
  name_by_user: string | null;
  name: string | null;
  primary_config_entry: string | null;
  serial_number: string | null;
  sw_version: string | null;
  via_device_id: string | null;
}

/** `RegistryEntry.as_partial_dict` (2025.x). */
export interface SimEntity {
  area_id: string | null;
  categories: Record<string, string>;
  config_entry_id: string | null;
  config_subentry_id: string | null;
  created_at: number;
  device_id: string | null;
  disabled_by: string | null;
  entity_category: 'config' | 'diagnostic' | null;
  entity_id: string;
  has_entity_name: boolean;
  hidden_by: string | null;
  icon: string | null;
  id: string;
  labels: string[];
  modified_at: number;
  name: string | null;
  options: Record<string, Record<string, unknown>>;
  original_name: string | null;
  platform: string;
  translation_key: string | null;
  unique_id: string;
}

/** What an entity update may change (`config/entity_registry/update`). */
export type EntityChanges = Partial<Pick<SimEntity, 'area_id' | 'labels' | 'hidden_by' | 'disabled_by' | 'name' | 'icon'>>;
/** What a device update may change (`config/device_registry/update`). */
export type DeviceChanges = Partial<Pick<SimDevice, 'area_id' | 'labels' | 'name_by_user' | 'disabled_by'>>;
/** What an area update may change (`config/area_registry/update`). */
export type AreaChanges = Partial<Pick<SimArea, 'name' | 'floor_id' | 'labels' | 'icon'>>;

export class RegistryNotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'RegistryNotFoundError';
  }
}

const CATEGORY_INDEX = { config: 0, diagnostic: 1 } as const;

/** Set-valued fields compare as sets; others by JSON. */
function same(key: string, a: unknown, b: unknown): boolean {
  if (key === 'labels' && Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v) => b.includes(v));
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Applies `changes` to `entry`; returns the OLD values of the keys that changed. */
function apply<T extends object>(entry: T, changes: Partial<T>): Partial<T> {
  const target = entry as Record<string, unknown>;
  const old: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || same(key, target[key], value)) continue;
    old[key] = target[key];
    target[key] = value;
  }
  return old as Partial<T>;
}

export class SimRegistries {
  readonly floors = new Map<string, SimFloor>();
  readonly areas = new Map<string, SimArea>();
  readonly labels = new Map<string, SimLabel>();
  readonly devices = new Map<string, SimDevice>();
  readonly entities = new Map<string, SimEntity>();

  constructor(
    readonly bus: EventBus,
    readonly clock: MicroClock,
    readonly context: () => HaContext,
  ) {}

  /** `config/entity_registry/list_for_display`: compact entries of the enabled entities. */
  displayList(): { entity_categories: Record<string, string>; entities: Record<string, unknown>[] } {
    const entities: Record<string, unknown>[] = [];
    for (const entity of this.entities.values()) {
      if (entity.disabled_by !== null) continue;
      entities.push(compactEntry(entity));
    }
    return { entity_categories: { '0': 'config', '1': 'diagnostic' }, entities };
  }

  /**
   * Registers an entity as an integration does the first time it adds one: an entry with core's
   * defaults and `entity_registry_updated` `{action: 'create', entity_id}`. For simulated homes
   * built after start (the wall-tablet bench); the state machine is not touched, as in core.
   */
  createEntity(entityId: string, platform: string, changes: { area_id?: string | null; device_id?: string | null; labels?: string[]; original_name?: string | null } = {}): SimEntity {
    if (this.entities.has(entityId)) throw new Error(`${entityId} is already registered`);
    const now = this.#now();
    const entity: SimEntity = {
      area_id: changes.area_id ?? null,
      categories: {},
      config_entry_id: null,
      config_subentry_id: null,
      created_at: now,
      device_id: changes.device_id ?? null,
      disabled_by: null,
      entity_category: null,
      entity_id: entityId,
      has_entity_name: false,
      hidden_by: null,
      icon: null,
      id: randomBytes(16).toString('hex'),
      labels: changes.labels ?? [],
      modified_at: now,
      name: null,
      options: {},
      original_name: changes.original_name ?? null,
      platform,
      translation_key: null,
      unique_id: entityId,
    };
    this.entities.set(entityId, entity);
    this.#fire('entity_registry_updated', { action: 'create', entity_id: entityId });
    return entity;
  }

  updateEntity(entityId: string, changes: EntityChanges): SimEntity {
    const entity = this.entities.get(entityId);
    if (!entity) throw new RegistryNotFoundError('Entity');
    const old = apply(entity, changes);
    if (Object.keys(old).length > 0) {
      entity.modified_at = this.#now();
      this.#fire('entity_registry_updated', { action: 'update', entity_id: entityId, changes: old });
    }
    return entity;
  }

  updateDevice(deviceId: string, changes: DeviceChanges): SimDevice {
    const device = this.devices.get(deviceId);
    if (!device) throw new RegistryNotFoundError('Device');
    const old = apply(device, changes);
    if (Object.keys(old).length === 0) return device;
    device.modified_at = this.#now();
    this.#fire('device_registry_updated', { action: 'update', device_id: deviceId, changes: old });
    // The entity registry follows a device's disabling (core: entities disabled "by device").
    if ('disabled_by' in old) {
      for (const entity of this.entities.values()) {
        if (entity.device_id !== deviceId) continue;
        if (device.disabled_by !== null && entity.disabled_by === null) this.updateEntity(entity.entity_id, { disabled_by: 'device' });
        else if (device.disabled_by === null && entity.disabled_by === 'device') this.updateEntity(entity.entity_id, { disabled_by: null });
      }
    }
    return device;
  }

  createArea(name: string, changes: AreaChanges = {}): SimArea {
    const now = this.#now();
    const base = slugify(name);
    let areaId = base;
    for (let n = 2; this.areas.has(areaId); n++) areaId = `${base}_${n}`;
    const area: SimArea = {
      aliases: [],
      area_id: areaId,
      floor_id: changes.floor_id ?? null,
      humidity_entity_id: null,
      icon: changes.icon ?? null,
      labels: changes.labels ?? [],
      name,
      picture: null,
      temperature_entity_id: null,
      created_at: now,
      modified_at: now,
    };
    this.areas.set(areaId, area);
    this.#fire('area_registry_updated', { action: 'create', area_id: areaId });
    return area;
  }

  /** Core fires an area update even when nothing changed. */
  updateArea(areaId: string, changes: AreaChanges): SimArea {
    const area = this.areas.get(areaId);
    if (!area) throw new RegistryNotFoundError('Area');
    if (Object.keys(apply(area, changes)).length > 0) area.modified_at = this.#now();
    this.#fire('area_registry_updated', { action: 'update', area_id: areaId });
    return area;
  }

  /** Clears the area on every device, then every entity, then removes it (core's order). */
  deleteArea(areaId: string): void {
    if (!this.areas.has(areaId)) throw new RegistryNotFoundError('Area');
    for (const device of this.devices.values()) if (device.area_id === areaId) this.updateDevice(device.id, { area_id: null });
    for (const entity of this.entities.values()) if (entity.area_id === areaId) this.updateEntity(entity.entity_id, { area_id: null });
    this.areas.delete(areaId);
    this.#fire('area_registry_updated', { action: 'remove', area_id: areaId });
  }

  #now(): number {
    return epochSeconds(this.clock.now());
  }

  #fire(eventType: string, data: Record<string, unknown>): void {
    this.bus.fire(eventType, data, { context: this.context(), timeFiredMicros: this.clock.now() });
  }
}

/** `RegistryEntry._as_display_dict`: compact keys, omitted when empty (docs/home-assistant.md §17). */
export function compactEntry(entity: SimEntity): Record<string, unknown> {
  const out: Record<string, unknown> = { ei: entity.entity_id, pl: entity.platform };
  if (entity.area_id) out.ai = entity.area_id;
  out.lb = [...entity.labels];
  if (entity.device_id) out.di = entity.device_id;
  if (entity.icon) out.ic = entity.icon;
  if (entity.translation_key) out.tk = entity.translation_key;
  if (entity.entity_category) out.ec = CATEGORY_INDEX[entity.entity_category];
  if (entity.hidden_by) out.hb = true;
  if (entity.has_entity_name) out.hn = true;
  const name = entity.name ?? entity.original_name;
  if (name) out.en = name;
  const sensor = entity.options.sensor;
  const precision = sensor?.display_precision ?? sensor?.suggested_display_precision;
  if (precision !== undefined && precision !== null) out.dp = precision;
  return out;
}

/** core `slugify` for registry ids: lowercase, runs of other characters become `_`. */
export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return slug || 'unknown';
}
