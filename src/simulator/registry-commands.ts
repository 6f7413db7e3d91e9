/**
 * The registry commands of the simulated core (docs/home-assistant.md §17): the six list commands
 * (no admin needed) and the updates tests use to move entities and devices between areas (admin
 * only, as in core). Results and errors as core's `config/*_registry.py` send them.
 */
import { type CommandHandler, type CommandSession, UnauthorizedError } from './command-session.ts';
import { RegistryNotFoundError, type AreaChanges, type DeviceChanges, type EntityChanges, type SimEntity } from './registries.ts';
import { SchemaError, validate } from './schema.ts';
import * as wire from './wire.ts';

const requireAdmin = (session: CommandSession) => {
  if (!session.user.is_admin) throw new UnauthorizedError();
};

/** `RegistryEntry.extended_dict`: the partial dict plus the keys `get` and `update` add. */
const extended = (entity: SimEntity) => ({
  ...entity,
  aliases: [],
  capabilities: null,
  device_class: null,
  original_device_class: null,
  original_icon: null,
});

/** The message's keys among `keys`, as a changes object. */
function pick<T>(msg: Record<string, unknown>, keys: readonly string[]): T {
  return Object.fromEntries(keys.filter((key) => key in msg).map((key) => [key, msg[key]])) as T;
}

function oneOf(msg: Record<string, unknown>, key: string, allowed: readonly (string | null)[]): void {
  if (key in msg && !allowed.includes(msg[key] as string | null)) {
    throw new SchemaError(`value must be one of [${allowed.map((v) => (v === null ? 'None' : `'${v}'`)).join(', ')}] for dictionary value @ data['${key}']`, msg[key]);
  }
}

export const REGISTRY_COMMANDS: Record<string, CommandHandler> = {
  'config/entity_registry/list'(session, msg) {
    validate(msg, {});
    session.send(wire.result(msg.id, [...session.core.registries.entities.values()]));
  },

  'config/entity_registry/list_for_display'(session, msg) {
    validate(msg, {});
    session.send(wire.result(msg.id, session.core.registries.displayList()));
  },

  'config/device_registry/list'(session, msg) {
    validate(msg, {});
    session.send(wire.result(msg.id, [...session.core.registries.devices.values()]));
  },

  'config/area_registry/list'(session, msg) {
    validate(msg, {});
    session.send(wire.result(msg.id, [...session.core.registries.areas.values()]));
  },

  'config/floor_registry/list'(session, msg) {
    validate(msg, {});
    session.send(wire.result(msg.id, [...session.core.registries.floors.values()]));
  },

  'config/label_registry/list'(session, msg) {
    validate(msg, {});
    session.send(wire.result(msg.id, [...session.core.registries.labels.values()]));
  },

  'config/entity_registry/update'(session, msg) {
    requireAdmin(session);
    validate(msg, {
      entity_id: { type: 'string', required: true },
      area_id: { type: 'string', nullable: true },
      labels: { type: 'string_list' },
      hidden_by: { type: 'string', nullable: true },
      disabled_by: { type: 'string', nullable: true },
      name: { type: 'string', nullable: true },
      icon: { type: 'string', nullable: true },
    });
    oneOf(msg, 'hidden_by', ['user', null]);
    oneOf(msg, 'disabled_by', ['user', null]);
    const registries = session.core.registries;
    if (!registries.entities.has(msg.entity_id as string)) {
      session.send(wire.error(msg.id, 'not_found', 'Entity not found'));
      return;
    }
    const changes = pick<EntityChanges>(msg, ['area_id', 'labels', 'hidden_by', 'disabled_by', 'name', 'icon']);
    session.send(wire.result(msg.id, { entity_entry: extended(registries.updateEntity(msg.entity_id as string, changes)) }));
  },

  'config/device_registry/update'(session, msg) {
    requireAdmin(session);
    validate(msg, {
      device_id: { type: 'string', required: true },
      area_id: { type: 'string', nullable: true },
      labels: { type: 'string_list' },
      name_by_user: { type: 'string', nullable: true },
      disabled_by: { type: 'string', nullable: true },
    });
    oneOf(msg, 'disabled_by', ['user', null]);
    const changes = pick<DeviceChanges>(msg, ['area_id', 'labels', 'name_by_user', 'disabled_by']);
    try {
      session.send(wire.result(msg.id, session.core.registries.updateDevice(msg.device_id as string, changes)));
    } catch (err) {
      if (!(err instanceof RegistryNotFoundError)) throw err;
      session.send(wire.error(msg.id, 'not_found', 'Device not found'));
    }
  },

  'config/area_registry/create'(session, msg) {
    requireAdmin(session);
    validate(msg, { name: { type: 'string', required: true }, floor_id: { type: 'string', nullable: true }, labels: { type: 'string_list' }, icon: { type: 'string', nullable: true } });
    const changes = pick<AreaChanges>(msg, ['floor_id', 'labels', 'icon']);
    session.send(wire.result(msg.id, session.core.registries.createArea(msg.name as string, changes)));
  },

  'config/area_registry/update'(session, msg) {
    requireAdmin(session);
    validate(msg, {
      area_id: { type: 'string', required: true },
      name: { type: 'string' },
      floor_id: { type: 'string', nullable: true },
      labels: { type: 'string_list' },
      icon: { type: 'string', nullable: true },
    });
    try {
      session.send(wire.result(msg.id, session.core.registries.updateArea(msg.area_id as string, pick<AreaChanges>(msg, ['name', 'floor_id', 'labels', 'icon']))));
    } catch (err) {
      if (!(err instanceof RegistryNotFoundError)) throw err;
      session.send(wire.error(msg.id, 'invalid_info', `Area ${String(msg.area_id)} not found`));
    }
  },

  'config/area_registry/delete'(session, msg) {
    requireAdmin(session);
    validate(msg, { area_id: { type: 'string', required: true } });
    try {
      session.core.registries.deleteArea(msg.area_id as string);
      session.send(wire.result(msg.id, 'success'));
    } catch (err) {
      if (!(err instanceof RegistryNotFoundError)) throw err;
      session.send(wire.error(msg.id, 'not_found', "Area ID doesn't exist"));
    }
  },
};
