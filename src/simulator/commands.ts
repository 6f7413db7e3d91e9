/**
 * The websocket commands of the simulated core (docs/home-assistant.md §3–§11), one handler per command type.
 * Handlers throw {@link SchemaError} (→ `invalid_format`), {@link UnauthorizedError}
 * (→ `unauthorized`) or ServiceNotFoundError (→ `not_found`); the session maps them.
 */
import { NON_ADMIN_EVENT_TYPES, type HaState } from '../base/types.ts';
import { compressState, entitiesDiff, type CompressedState } from './compressed.ts';
import { REGISTRY_COMMANDS } from './registry-commands.ts';
import { validate } from './schema.ts';
import * as wire from './wire.ts';
import { type Command, type CommandHandler, type CommandSession, UnauthorizedError } from './command-session.ts';

export { type Command, type CommandHandler, type CommandSession, UnauthorizedError };

const requireAdmin = (session: CommandSession) => {
  if (!session.user.is_admin) throw new UnauthorizedError();
};

/** Target keys that core's target schema turns into lists (docs/home-assistant.md §7). */
const TARGET_LIST_KEYS = ['entity_id', 'device_id', 'area_id', 'floor_id', 'label_id'];

function mergeTarget(serviceData: Record<string, unknown>, target: Record<string, unknown> | undefined): Record<string, unknown> {
  const merged = { ...serviceData };
  for (const [key, value] of Object.entries(target ?? {})) {
    merged[key] = TARGET_LIST_KEYS.includes(key) && typeof value === 'string' ? value.split(',').map((v) => v.trim()) : value;
  }
  return merged;
}

export const COMMANDS: Record<string, CommandHandler> = {
  supported_features(session, msg) {
    validate(msg, { features: { type: 'object', required: true } });
    const features = msg.features as Record<string, unknown>;
    session.setCoalesce(features.coalesce_messages === 1);
    session.send(wire.result(msg.id));
  },

  ping(session, msg) {
    validate(msg, {});
    session.send(wire.pong(msg.id));
  },

  subscribe_events(session, msg) {
    validate(msg, { event_type: { type: 'string' } });
    const eventType = (msg.event_type as string | undefined) ?? '*';
    if (!session.user.is_admin && !NON_ADMIN_EVENT_TYPES.has(eventType)) throw new UnauthorizedError();
    const stop = session.core.bus.listen(eventType, (event) => session.send(wire.event(msg.id, event)));
    session.addSubscription(msg.id, eventType, stop);
    session.send(wire.result(msg.id));
  },

  unsubscribe_events(session, msg) {
    validate(msg, { subscription: { type: 'integer', required: true } });
    if (session.removeSubscription(msg.subscription as number)) session.send(wire.result(msg.id));
    else session.send(wire.error(msg.id, 'not_found', 'Subscription not found.'));
  },

  get_states(session, msg) {
    validate(msg, {});
    session.send(wire.result(msg.id, session.core.states.all()));
  },

  get_config(session, msg) {
    validate(msg, {});
    session.send(wire.result(msg.id, session.core.config()));
  },

  get_services(session, msg) {
    validate(msg, {});
    const out: Record<string, Record<string, unknown>> = {};
    for (const [domain, services] of Object.entries(session.core.services.list())) {
      out[domain] = Object.fromEntries(services.map((s) => [s, { name: s.replace(/_/g, ' '), description: '', fields: {} }]));
    }
    session.send(wire.result(msg.id, out));
  },

  'auth/current_user'(session, msg) {
    validate(msg, {});
    const { id, name, is_owner, is_admin, credentials, mfa_modules } = session.user;
    session.send(wire.result(msg.id, { id, name, is_owner, is_admin, credentials, mfa_modules }));
  },

  call_service(session, msg) {
    validate(msg, {
      domain: { type: 'string', required: true },
      service: { type: 'string', required: true },
      service_data: { type: 'object' },
      target: { type: 'object' },
      return_response: { type: 'boolean' },
    });
    const domain = msg.domain as string;
    const service = msg.service as string;
    if (msg.return_response === true && session.core.services.has(domain, service)) {
      const text = "An action which does not return responses can't be called with return_response=True";
      session.send(
        wire.error(msg.id, 'service_validation_error', `Validation error: ${text}`, {
          key: 'service_does_not_support_response',
          domain: 'homeassistant',
          placeholders: { return_response: 'return_response=True' },
        }),
      );
      return;
    }
    const context = session.core.context(session.user.id);
    const data = mergeTarget((msg.service_data as Record<string, unknown> | undefined) ?? {}, msg.target as Record<string, unknown> | undefined);
    session.core.callService(domain, service, data, context);
    session.send(wire.result(msg.id, wire.contextResult(context)));
  },

  fire_event(session, msg) {
    requireAdmin(session);
    validate(msg, { event_type: { type: 'string', required: true }, event_data: { type: 'object' } });
    const context = session.core.context(session.user.id);
    session.core.bus.fire(msg.event_type as string, (msg.event_data as Record<string, unknown> | undefined) ?? {}, {
      context,
      timeFiredMicros: session.core.clock.now(),
    });
    session.send(wire.result(msg.id, wire.contextResult(context)));
  },

  subscribe_entities(session, msg) {
    validate(msg, { entity_ids: { type: 'string_list' }, include: { type: 'object' }, exclude: { type: 'object' } });
    const wanted = msg.entity_ids ? new Set(msg.entity_ids as string[]) : undefined;
    const stop = session.core.bus.listen('state_changed', (event) => {
      const entityId = event.data.entity_id as string;
      if (wanted && !wanted.has(entityId)) return;
      const diff = entitiesDiff(entityId, event.data.old_state as HaState | null, event.data.new_state as HaState | null);
      session.send(wire.event(msg.id, diff));
    });
    session.addSubscription(msg.id, 'subscribe_entities', stop);
    session.send(wire.result(msg.id));
    const added: Record<string, CompressedState> = {};
    for (const state of session.core.states.all()) if (!wanted || wanted.has(state.entity_id)) added[state.entity_id] = compressState(state);
    session.send(wire.eventIdFirst(msg.id, { a: added }));
  },

  ...REGISTRY_COMMANDS,
};
