/**
 * Applying `format=entities` messages (DOCS.md "Shaping"; Home Assistant's `subscribe_entities`
 * format) to entity states, as a pure function: `a` adds or replaces whole states, `c` applies
 * diffs (`+` changed keys, `-` removed attribute keys), `r` removes entities. Times come as epoch
 * seconds and are kept as ISO strings, like the states of `state_changed` events.
 */
import type { EntityState } from './types.ts';

interface Compressed {
  s?: string | null;
  a?: Record<string, unknown>;
  lc?: number;
  lu?: number;
}

interface Diff {
  '+'?: Compressed;
  '-'?: { a?: string[] };
}

/** A `format=entities` message: exactly one of `a`, `c`, `r`. */
export interface EntitiesMessage {
  a?: Record<string, Compressed>;
  c?: Record<string, Diff>;
  r?: string[];
}

/** True when a parsed payload is a `format=entities` message rather than a `{type, …}` payload. */
export function isEntitiesMessage(value: unknown): value is EntitiesMessage {
  if (value === null || typeof value !== 'object' || 'type' in value) return false;
  return 'a' in value || 'c' in value || 'r' in value;
}

const iso = (seconds: number): string => new Date(Math.round(seconds * 1000)).toISOString();

/**
 * Applies `message` to `states` (changed in place). Returns the states that changed (removed
 * entities as `state: null`), for listeners.
 */
export function applyEntitiesMessage(states: Map<string, EntityState>, message: EntitiesMessage): EntityState[] {
  const changed: EntityState[] = [];
  for (const [entityId, compressed] of Object.entries(message.a ?? {})) {
    const lc = compressed.lc !== undefined ? iso(compressed.lc) : '';
    const state: EntityState = {
      entity_id: entityId,
      state: compressed.s ?? null,
      attributes: { ...(compressed.a ?? {}) },
      last_changed: lc,
      last_updated: compressed.lu !== undefined ? iso(compressed.lu) : lc,
    };
    states.set(entityId, state);
    changed.push(state);
  }
  for (const [entityId, diff] of Object.entries(message.c ?? {})) {
    const before = states.get(entityId);
    if (!before) continue; // a diff for an entity the client never got: the next snapshot brings it
    const state: EntityState = { ...before, attributes: { ...before.attributes } };
    const plus = diff['+'];
    if (plus) {
      if ('s' in plus) state.state = plus.s ?? null;
      if (plus.a) Object.assign(state.attributes, plus.a);
      if (plus.lc !== undefined) state.last_changed = state.last_updated = iso(plus.lc);
      else if (plus.lu !== undefined) state.last_updated = iso(plus.lu);
    }
    for (const key of diff['-']?.a ?? []) delete state.attributes[key];
    states.set(entityId, state);
    changed.push(state);
  }
  for (const entityId of message.r ?? []) {
    const before = states.get(entityId);
    if (!before) continue;
    states.delete(entityId);
    changed.push({ ...before, state: null });
  }
  return changed;
}
