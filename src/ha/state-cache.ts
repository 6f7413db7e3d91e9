/**
 * The bridge's copy of core's states: filled by `get_states` at every (re)connect, kept current by
 * state_changed, and able to tell what changed while we were away (pure apart from its own map).
 */
import type { HaState } from '../base/types.ts';
import type { CoreEvent } from './messages.ts';
import { parseState } from './messages.ts';
import { isRecord } from '../base/is-record.ts';

const nullableString = (v: unknown) => v === null || typeof v === 'string';

/**
 * True when `value` is exactly what {@link parseState} would build from it (every field of the
 * right type, a context with its three fields, `last_reported` a string or absent), so the cache
 * may hold core's object itself. Extra fields core may add travel along, as in `attributes`.
 */
function isWellFormedState(value: unknown): value is HaState {
  if (!isRecord(value)) return false;
  const { entity_id, state, attributes, last_changed, last_updated, last_reported, context } = value;
  return (
    typeof entity_id === 'string' &&
    entity_id.includes('.') &&
    typeof state === 'string' &&
    isRecord(attributes) &&
    typeof last_changed === 'string' &&
    typeof last_updated === 'string' &&
    (last_reported === undefined || typeof last_reported === 'string') &&
    isRecord(context) &&
    typeof context.id === 'string' &&
    nullableString(context.parent_id) &&
    nullableString(context.user_id)
  );
}

const comparable = (s: HaState) => JSON.stringify([s.state, s.attributes, s.last_changed, s.last_updated]);

export class StateCache {
  readonly #states = new Map<string, HaState>();

  get size(): number {
    return this.#states.size;
  }

  all(): HaState[] {
    return [...this.#states.values()];
  }

  get(entityId: string): HaState | undefined {
    return this.#states.get(entityId);
  }

  /** Applies one core state_changed event. */
  apply(event: CoreEvent): void {
    const entityId = event.data.entity_id;
    if (typeof entityId !== 'string') return;
    if (event.data.new_state === null) {
      this.#states.delete(entityId);
      return;
    }
    // Core's own object is kept when it already has the shape (the usual case): no copy per event.
    const newState = event.data.new_state;
    const fresh = isWellFormedState(newState) ? newState : parseState(newState);
    if (fresh) this.#states.set(entityId, fresh);
  }

  /**
   * Replaces the content with a fresh snapshot and returns synthetic core state_changed events for
   * every entity that changed, appeared or disappeared relative to what was cached. A vanished
   * entity's event is dated `nowIso`; the others carry the fresh `last_updated`, as core does.
   */
  replace(fresh: readonly HaState[], nowIso: string): CoreEvent[] {
    const events: CoreEvent[] = [];
    const next = new Map(fresh.map((s) => [s.entity_id, s]));
    const event = (entityId: string, oldState: HaState | null, newState: HaState | null, timeFired: string): CoreEvent => ({
      event_type: 'state_changed',
      data: { entity_id: entityId, old_state: oldState, new_state: newState },
      origin: 'LOCAL',
      time_fired: timeFired,
      context: newState?.context ?? { id: '', parent_id: null, user_id: null },
    });
    for (const state of fresh) {
      const old = this.#states.get(state.entity_id);
      if (!old || comparable(old) !== comparable(state)) events.push(event(state.entity_id, old ?? null, state, state.last_updated));
    }
    for (const [entityId, old] of this.#states) {
      if (!next.has(entityId)) events.push(event(entityId, old, null, nowIso));
    }
    this.#states.clear();
    for (const [entityId, state] of next) this.#states.set(entityId, state);
    return events;
  }
}
