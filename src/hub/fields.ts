/**
 * `fields=` (DOCS.md, "Shaping"): which keys of a state object a stream receives. A state object
 * is the new state of a `state_changed` payload (`{entity_id, state, attributes, last_changed,
 * last_updated}`), its `old_state` and every initial state; `entity_id` is always kept.
 * `attributes` keeps every attribute, `attributes.<key>` one of them. Pure functions: the
 * projection of an event is computed once per (event, field list) by `shaped-encodings.ts`.
 */

/** The top-level keys of a state object that `fields` may name. */
export const STATE_KEYS = ['state', 'attributes', 'last_changed', 'last_updated', 'last_reported', 'context'] as const;

/** One field item: a top-level key, or `attributes.<key>`. */
export const FIELD_PATTERN = /^(state|attributes|last_changed|last_updated|last_reported|context|attributes\.[A-Za-z0-9_-]{1,64})$/;

/** A parsed `fields` list. */
export interface FieldSelection {
  /** A canonical text of the list (sorted, deduplicated): the cache key of its projections. */
  readonly key: string;
  /** Top-level keys kept whole. */
  readonly keys: ReadonlySet<string>;
  /** Attribute keys kept one by one; ignored when `attributes` is kept whole. */
  readonly attributes: ReadonlySet<string>;
}

/** Builds a selection from validated items (see {@link FIELD_PATTERN}); undefined for an empty list (no projection). */
export function fieldSelection(items: readonly string[]): FieldSelection | undefined {
  if (items.length === 0) return undefined;
  const keys = new Set<string>();
  const attributes = new Set<string>();
  for (const item of items) {
    if (item.startsWith('attributes.')) attributes.add(item.slice('attributes.'.length));
    else keys.add(item);
  }
  if (keys.has('attributes')) attributes.clear();
  const key = [...[...keys].sort(), ...[...attributes].sort().map((a) => `attributes.${a}`)].join(',');
  return { key, keys, attributes };
}

/** True when the selection keeps some attributes (all of them or named ones). */
export function keepsAttributes(fields: FieldSelection): boolean {
  return fields.keys.has('attributes') || fields.attributes.size > 0;
}

/**
 * The state object with only the selected keys (and `entity_id`). Attributes named but missing
 * are left out, so `attributes` may be `{}`; keys the state does not have are not invented.
 */
export function projectState<T extends Record<string, unknown>>(state: T, fields: FieldSelection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if ('entity_id' in state) out.entity_id = state.entity_id;
  for (const key of STATE_KEYS) {
    if (key === 'attributes') continue;
    if (fields.keys.has(key) && key in state) out[key] = state[key];
  }
  if (fields.keys.has('attributes')) {
    if ('attributes' in state) out.attributes = state.attributes;
  } else if (fields.attributes.size > 0) {
    const source = state.attributes;
    const picked: Record<string, unknown> = {};
    if (source !== null && typeof source === 'object') {
      for (const name of fields.attributes) {
        if (Object.hasOwn(source, name)) picked[name] = (source as Record<string, unknown>)[name];
      }
    }
    out.attributes = picked;
  }
  return out;
}

/**
 * A `state_changed` payload's `data` projected: the new state's keys as {@link projectState},
 * and `old_state` projected the same way (null stays null).
 */
export function projectStateChange(data: Record<string, unknown>, fields: FieldSelection): Record<string, unknown> {
  const out = projectState(data, fields);
  const old = data.old_state;
  out.old_state = old !== null && typeof old === 'object' ? projectState(old as Record<string, unknown>, fields) : null;
  return out;
}
