/**
 * The bridge's copy of core's states: filled by `get_states` at every (re)connect, kept current by
 * state_changed, and able to tell what changed while we were away (pure apart from its own map).
 */
import type { HaState } from '../base/types.ts';
import type { CoreEvent } from './messages.ts';
import { parseState } from './messages.ts';

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
    const fresh = parseState(event.data.new_state);
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
