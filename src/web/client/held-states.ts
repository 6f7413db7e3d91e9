/**
 * The entity states a client holds: in its persistent cache when it has one (`state-cache.ts`:
 * restored on start, written back debounced), otherwise in memory for the client's lifetime. Both
 * follow the same rules: a `null` state removes the entity, a snapshot replaces everything.
 */
import type { StateCache } from './state-cache.ts';
import type { EntityState } from './types.ts';

export class HeldStates {
  readonly #cache: StateCache | undefined;
  readonly #memory = new Map<string, EntityState>();

  constructor(cache: StateCache | undefined) {
    this.#cache = cache;
  }

  /** Every held state, by entity id. */
  all(): Record<string, EntityState> {
    return this.#cache ? this.#cache.snapshot() : Object.fromEntries(this.#memory);
  }

  /** Applies one change; a `null` state removes the entity. */
  apply(state: EntityState): void {
    if (this.#cache) this.#cache.apply(state);
    else if (state.state === null) this.#memory.delete(state.entity_id);
    else this.#memory.set(state.entity_id, state);
  }

  /** Replaces everything with a complete snapshot (entities with a `null` state are left out). */
  replace(states: Iterable<EntityState>): void {
    if (this.#cache) {
      this.#cache.replace(states);
      return;
    }
    this.#memory.clear();
    for (const state of states) if (state.state !== null) this.#memory.set(state.entity_id, state);
  }

  /** Keeps the resume point beside the states (persisted with them when there is a cache). */
  resumePoint(id: string): void {
    if (this.#cache) this.#cache.lastEventId = id;
  }
}
