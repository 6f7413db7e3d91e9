/**
 * `subscribe_entities` payloads (core `State.as_compressed_state` and `_state_diff`, docs/home-assistant.md §8):
 * `a` adds compressed states, `r` removes entities, `c` carries per-entity diffs with `+` (changed
 * fields only) and `-` (removed attribute keys).
 */
import type { HaState } from '../base/types.ts';
import { epochSeconds, parseIsoMicros } from './time.ts';

export interface CompressedState {
  s: string;
  a: Record<string, unknown>;
  c: string | { id: string; parent_id: string | null; user_id: string | null };
  lc: number;
  lu?: number;
}

const seconds = (iso: string) => epochSeconds(parseIsoMicros(iso));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function compressState(state: HaState): CompressedState {
  const { id, parent_id, user_id } = state.context;
  const out: CompressedState = {
    s: state.state,
    a: state.attributes,
    c: parent_id === null && user_id === null ? id : { id, parent_id, user_id },
    lc: seconds(state.last_changed),
  };
  if (state.last_updated !== state.last_changed) out.lu = seconds(state.last_updated);
  return out;
}

/** The event payload for one state_changed (add, remove or change), in core's key order. */
export function entitiesDiff(entityId: string, oldState: HaState | null, newState: HaState | null): Record<string, unknown> {
  if (!newState) return { r: [entityId] };
  if (!oldState) return { a: { [newState.entity_id]: compressState(newState) } };
  const additions: Record<string, unknown> = {};
  const diff: Record<string, unknown> = { '+': additions };
  if (oldState.state !== newState.state) additions.s = newState.state;
  if (oldState.last_changed !== newState.last_changed) additions.lc = seconds(newState.last_changed);
  else if (oldState.last_updated !== newState.last_updated) additions.lu = seconds(newState.last_updated);
  const before = oldState.context;
  const after = newState.context;
  let context: Record<string, unknown> | string | undefined;
  if (before.parent_id !== after.parent_id) context = { parent_id: after.parent_id };
  if (before.user_id !== after.user_id) context = { ...(typeof context === 'object' ? context : {}), user_id: after.user_id };
  if (before.id !== after.id) context = typeof context === 'object' ? { ...context, id: after.id } : after.id;
  if (context !== undefined) additions.c = context;
  const oldAttributes = oldState.attributes;
  const newAttributes = newState.attributes;
  const added: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(newAttributes)) {
    if (!(key in oldAttributes) || !same(oldAttributes[key], value)) added[key] = value;
  }
  if (Object.keys(added).length > 0) additions.a = added;
  const removed = Object.keys(oldAttributes).filter((key) => !(key in newAttributes));
  if (removed.length > 0) diff['-'] = { a: removed };
  return { c: { [newState.entity_id]: diff } };
}
