/**
 * Resolves registry selectors to entity ids the way core resolves a service target
 * (`helpers/target.py`; docs/home-assistant.md §18). Pure: built once per read of the registries,
 * then asked for any number of selector sets.
 *
 * - `label_id`: the labelled entities (hidden ones skipped; config/diagnostic kept), plus the
 *   labelled devices and areas, which then resolve as below;
 * - `floor_id`: the areas on the floor;
 * - a device: its entities, whatever their own area;
 * - an area: the entities whose own area it is, plus the entities of devices in it that have no
 *   own area (an entity placed elsewhere is not pulled in by its device's area);
 * - devices and areas skip hidden and config/diagnostic entities;
 * - `integration`: every entity whose registry `platform` is that domain (the product's own
 *   selector, no core equivalent; nothing is skipped).
 * Unknown ids select nothing.
 */
import type { EntitySelectors } from '../../base/types.ts';
import type { RegistryEntity, RegistryLists } from './registry-lists.ts';

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** An entity devices and areas pull in: not hidden, not config or diagnostic. */
const primary = (entity: RegistryEntity): boolean => !entity.hidden && entity.category === null;

export class TargetResolver {
  readonly #entitiesByDevice = new Map<string, RegistryEntity[]>();
  readonly #entitiesByOwnArea = new Map<string, RegistryEntity[]>();
  readonly #entitiesByLabel = new Map<string, RegistryEntity[]>();
  readonly #entitiesByPlatform = new Map<string, RegistryEntity[]>();
  readonly #devicesByArea = new Map<string, string[]>();
  readonly #devicesByLabel = new Map<string, string[]>();
  readonly #areasByFloor = new Map<string, string[]>();
  readonly #areasByLabel = new Map<string, string[]>();

  constructor(lists: RegistryLists) {
    for (const entity of lists.entities) {
      if (entity.deviceId) push(this.#entitiesByDevice, entity.deviceId, entity);
      if (entity.areaId) push(this.#entitiesByOwnArea, entity.areaId, entity);
      for (const label of entity.labels) push(this.#entitiesByLabel, label, entity);
      if (entity.platform) push(this.#entitiesByPlatform, entity.platform, entity);
    }
    for (const device of lists.devices) {
      if (device.areaId) push(this.#devicesByArea, device.areaId, device.id);
      for (const label of device.labels) push(this.#devicesByLabel, label, device.id);
    }
    for (const area of lists.areas) {
      if (area.floorId) push(this.#areasByFloor, area.floorId, area.id);
      for (const label of area.labels) push(this.#areasByLabel, label, area.id);
    }
  }

  resolve(selectors: EntitySelectors): Set<string> {
    const out = new Set<string>();
    const devices = new Set(selectors.devices);
    const areas = new Set(selectors.areas);
    for (const label of selectors.labels) {
      for (const entity of this.#entitiesByLabel.get(label) ?? []) if (!entity.hidden) out.add(entity.entityId);
      for (const device of this.#devicesByLabel.get(label) ?? []) devices.add(device);
      for (const area of this.#areasByLabel.get(label) ?? []) areas.add(area);
    }
    for (const floor of selectors.floors) for (const area of this.#areasByFloor.get(floor) ?? []) areas.add(area);
    for (const device of devices) {
      for (const entity of this.#entitiesByDevice.get(device) ?? []) if (primary(entity)) out.add(entity.entityId);
    }
    for (const area of areas) {
      for (const entity of this.#entitiesByOwnArea.get(area) ?? []) if (primary(entity)) out.add(entity.entityId);
      for (const device of this.#devicesByArea.get(area) ?? []) {
        for (const entity of this.#entitiesByDevice.get(device) ?? []) {
          if (entity.areaId === null && primary(entity)) out.add(entity.entityId);
        }
      }
    }
    for (const platform of selectors.integrations) {
      for (const entity of this.#entitiesByPlatform.get(platform) ?? []) out.add(entity.entityId);
    }
    return out;
  }
}
