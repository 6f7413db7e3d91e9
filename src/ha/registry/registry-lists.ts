/**
 * Core's registry list commands and their results, reduced to what target resolution needs
 * (docs/home-assistant.md §17–§18). Pure: builders and parsers, no I/O (docs/ARCHITECTURE.md §5.7).
 *
 * The entity list is `config/entity_registry/list_for_display`: the smallest form, free for
 * non-admins, and it already leaves out disabled entities, which a target never selects. Its keys
 * are compact and omitted when empty (`ai` own area, `di` device, `lb` labels, `pl` platform,
 * `hb` hidden, `ec` an index into `entity_categories`). The full `config/entity_registry/list` is
 * parsed too (disabled entries skipped), so either answer gives the same model.
 */
import { isRecord } from '../../base/is-record.ts';
import type { HaCommand } from '../messages.ts';

export const LIST_COMMANDS = {
  entities: 'config/entity_registry/list_for_display',
  devices: 'config/device_registry/list',
  areas: 'config/area_registry/list',
  floors: 'config/floor_registry/list',
  labels: 'config/label_registry/list',
} as const;

/** The five `*_registry_updated` events; each makes the lists stale (they carry ids, not values). */
export const REGISTRY_EVENTS = [
  'entity_registry_updated',
  'device_registry_updated',
  'area_registry_updated',
  'floor_registry_updated',
  'label_registry_updated',
] as const;

export const listCommand = (type: string): HaCommand => ({ type });

export interface RegistryEntity {
  entityId: string;
  /** The integration domain that provides it (`hue`, `mqtt`, `template`). */
  platform: string;
  /** The entity's own area (not its device's). */
  areaId: string | null;
  deviceId: string | null;
  labels: readonly string[];
  hidden: boolean;
  /** `config` or `diagnostic`; null for a primary entity. */
  category: string | null;
}

export interface RegistryDevice {
  id: string;
  /** What Home Assistant shows: the user's name, else the integration's. */
  name: string;
  areaId: string | null;
  labels: readonly string[];
}

export interface RegistryArea {
  id: string;
  name: string;
  floorId: string | null;
  labels: readonly string[];
}

/** One consistent read of the registries. */
export interface RegistryLists {
  entities: readonly RegistryEntity[];
  devices: readonly RegistryDevice[];
  areas: readonly RegistryArea[];
  floors: readonly RegistryName[];
  labels: readonly RegistryName[];
}

/** A floor or label: its id and the name Home Assistant shows (for pickers). */
export interface RegistryName {
  id: string;
  name: string;
}

export const EMPTY_LISTS: RegistryLists = Object.freeze({ entities: [], devices: [], areas: [], floors: [], labels: [] });

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const records = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.filter(isRecord) : []);

/** `list_for_display` (`{entity_categories, entities:[compact…]}`) or the full `list` (an array). */
export function parseEntityList(result: unknown): RegistryEntity[] {
  if (Array.isArray(result)) return parseFullEntities(result);
  if (!isRecord(result)) return [];
  const categories = isRecord(result.entity_categories) ? result.entity_categories : {};
  const out: RegistryEntity[] = [];
  for (const entry of records(result.entities)) {
    const entityId = str(entry.ei);
    if (!entityId) continue;
    const category = entry.ec === undefined || entry.ec === null ? null : str(categories[String(entry.ec)]);
    out.push({
      entityId,
      platform: str(entry.pl) ?? '',
      areaId: str(entry.ai),
      deviceId: str(entry.di),
      labels: strings(entry.lb),
      hidden: entry.hb === true,
      category,
    });
  }
  return out;
}

function parseFullEntities(result: unknown[]): RegistryEntity[] {
  const out: RegistryEntity[] = [];
  for (const entry of records(result)) {
    const entityId = str(entry.entity_id);
    if (!entityId || str(entry.disabled_by)) continue;
    out.push({
      entityId,
      platform: str(entry.platform) ?? '',
      areaId: str(entry.area_id),
      deviceId: str(entry.device_id),
      labels: strings(entry.labels),
      hidden: str(entry.hidden_by) !== null,
      category: str(entry.entity_category),
    });
  }
  return out;
}

export function parseDeviceList(result: unknown): RegistryDevice[] {
  return records(result)
    .filter((entry) => str(entry.id) !== null)
    .map((entry) => ({ id: str(entry.id)!, name: str(entry.name_by_user) ?? str(entry.name) ?? str(entry.id)!, areaId: str(entry.area_id), labels: strings(entry.labels) }));
}

export function parseAreaList(result: unknown): RegistryArea[] {
  return records(result)
    .filter((entry) => str(entry.area_id) !== null)
    .map((entry) => ({ id: str(entry.area_id)!, name: str(entry.name) ?? str(entry.area_id)!, floorId: str(entry.floor_id), labels: strings(entry.labels) }));
}

function names(result: unknown, idKey: string): RegistryName[] {
  const out: RegistryName[] = [];
  for (const entry of records(result)) {
    const id = str(entry[idKey]);
    if (id) out.push({ id, name: str(entry.name) ?? id });
  }
  return out;
}

export const parseFloorList = (result: unknown): RegistryName[] => names(result, 'floor_id');

export const parseLabelList = (result: unknown): RegistryName[] => names(result, 'label_id');
