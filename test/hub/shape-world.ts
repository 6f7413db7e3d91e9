/**
 * A small home for shaping tests: current states, and `state_changed` events built the way the
 * bridge normalizes them (src/ha/normalize.ts: the new state flattened into `data`, core's old
 * state under `old_state`), so the hub's shaping sees what it sees in production.
 */
import type { HaState, HubEvent } from '../../src/base/types.ts';
import type { EntityState } from '../../src/web/client/types.ts';

export class World {
  readonly states = new Map<string, HaState>();
  #t: number;

  constructor(start = Date.UTC(2024, 1, 10, 12)) {
    this.#t = start;
  }

  /** The states as the hub's StateSource returns them. */
  list(): HaState[] {
    return [...this.states.values()];
  }

  /** Sets an entity's state (null: removes it) one millisecond later and returns the event. */
  set(entityId: string, state: string | null, attributes: Record<string, unknown> = {}): HubEvent {
    this.#t += 1;
    const at = new Date(this.#t).toISOString().replace('Z', '123+00:00');
    const before = this.states.get(entityId) ?? null;
    const changed = !before || before.state !== state;
    const after: HaState | null =
      state === null
        ? null
        : {
            entity_id: entityId,
            state,
            attributes,
            last_changed: changed || !before ? at : before.last_changed,
            last_updated: at,
            context: { id: `ctx${String(this.#t)}`, parent_id: null, user_id: null },
          };
    if (after) this.states.set(entityId, after);
    else this.states.delete(entityId);
    return {
      type: 'state_changed',
      data: {
        entity_id: entityId,
        state: after ? after.state : null,
        attributes: after ? after.attributes : {},
        last_changed: after ? after.last_changed : at,
        last_updated: after ? after.last_updated : at,
        old_state: before,
      },
      timestamp: at,
      entityIds: [entityId],
      domains: [entityId.split('.')[0]!],
      firedAt: this.#t,
      receivedAt: this.#t,
    };
  }

  /** What a client should hold: state, attributes and times (as a client keeps them). */
  expected(ids?: Iterable<string>): Record<string, Omit<EntityState, 'last_changed' | 'last_updated'> & { lc: number; lu: number }> {
    const out: Record<string, Omit<EntityState, 'last_changed' | 'last_updated'> & { lc: number; lu: number }> = {};
    const wanted = ids ? new Set(ids) : undefined;
    for (const [id, s] of this.states) {
      if (wanted && !wanted.has(id)) continue;
      out[id] = { entity_id: id, state: s.state, attributes: s.attributes, lc: Date.parse(s.last_changed), lu: Date.parse(s.last_updated) };
    }
    return out;
  }
}

/** A client's states in the form of {@link World.expected} (times to the millisecond). */
export function held(states: Map<string, EntityState>): ReturnType<World['expected']> {
  const out: ReturnType<World['expected']> = {};
  for (const [id, s] of states) {
    out[id] = { entity_id: id, state: s.state, attributes: s.attributes, lc: Date.parse(s.last_changed), lu: Date.parse(s.last_updated) };
  }
  return out;
}
