/**
 * `format=entities` (DOCS.md, "Shaping"): Home Assistant's `subscribe_entities` compressed format
 * (docs/home-assistant.md §8), as pure functions. A stream gets `{"a":{id: compressed}}` (whole
 * states), `{"c":{id: {"+": changed, "-": {"a": [removed attribute keys]}}}}` (diffs) and
 * `{"r":[ids]}` (entities that left the stream or Home Assistant).
 *
 * Compressed keys: `s` state, `a` attributes, `lc` last_changed and `lu` last_updated as epoch
 * seconds (`lu` only when it differs from `lc`, as core does). Core's `c` (context) is not sent: the
 * hub's state objects carry no context. The input states may be projected by `fields`
 * (`fields.ts`): a key the projection left out is neither sent nor compared.
 */

/** A state object as the hub carries it (`state_changed` data, `old_state`, initial states), maybe projected. */
export type StateLike = Readonly<Record<string, unknown>>;

export interface CompressedState {
  s?: unknown;
  a?: Record<string, unknown>;
  lc?: number;
  lu?: number;
}

/** One entity's change: `+` changed keys (`a`: changed or added attributes), `-` removed attribute keys. */
export interface EntityDiff {
  '+'?: CompressedState;
  '-'?: { a: string[] };
}

/** ISO 8601 → epoch seconds, keeping microseconds (core sends six fraction digits). */
export function epochSeconds(iso: string): number {
  const whole = Date.parse(iso);
  if (Number.isNaN(whole)) return 0;
  const fraction = /\.(\d+)/.exec(iso)?.[1] ?? '';
  const seconds = Math.floor(whole / 1000);
  return fraction ? Number(`${String(seconds)}.${fraction.slice(0, 6)}`) : seconds;
}

function time(value: unknown): number | undefined {
  return typeof value === 'string' ? epochSeconds(value) : undefined;
}

function attributesOf(state: StateLike): Record<string, unknown> | undefined {
  const value = state.attributes;
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/** True when the state object stands for a removed entity (`state: null` in a `state_changed` payload). */
export function isRemoval(state: StateLike | null | undefined): boolean {
  return !state || ('state' in state && state.state === null);
}

/** core's `State.as_compressed_state`, without `c`, of the keys present. */
export function compressState(state: StateLike): CompressedState {
  const out: CompressedState = {};
  if ('state' in state) out.s = state.state;
  const attributes = attributesOf(state);
  if (attributes) out.a = attributes;
  const lc = time(state.last_changed);
  const lu = time(state.last_updated);
  if (lc !== undefined) out.lc = lc;
  if (lu !== undefined && (lc === undefined || state.last_updated !== state.last_changed)) out.lu = lu;
  return out;
}

const same = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * core's `_state_diff` between two states of one entity (of the keys present), or undefined when
 * nothing a stream receives changed (e.g. only an attribute `fields` left out).
 */
export function stateDiff(before: StateLike, after: StateLike): EntityDiff | undefined {
  const plus: CompressedState = {};
  if ('state' in after && !same(before.state, after.state)) plus.s = after.state;
  if ('last_changed' in after && before.last_changed !== after.last_changed) {
    plus.lc = time(after.last_changed);
  } else if ('last_updated' in after && before.last_updated !== after.last_updated) {
    plus.lu = time(after.last_updated);
  }
  const old = attributesOf(before) ?? {};
  const now = attributesOf(after);
  let removed: string[] | undefined;
  if (now) {
    const changed: Record<string, unknown> = {};
    let any = false;
    for (const [key, value] of Object.entries(now)) {
      if (!Object.hasOwn(old, key) || !same(old[key], value)) {
        changed[key] = value;
        any = true;
      }
    }
    if (any) plus.a = changed;
    for (const key of Object.keys(old)) if (!Object.hasOwn(now, key)) (removed ??= []).push(key);
  }
  const diff: EntityDiff = {};
  if (Object.keys(plus).length > 0) diff['+'] = plus;
  if (removed) diff['-'] = { a: removed };
  return diff['+'] || diff['-'] ? diff : undefined;
}

/** `{"a":{…}}` for these states (a snapshot, or entities that entered). */
export function addPayload(states: Iterable<StateLike>): string {
  const a: Record<string, CompressedState> = {};
  for (const state of states) a[String(state.entity_id)] = compressState(state);
  return JSON.stringify({ a });
}

export function changePayload(entityId: string, diff: EntityDiff): string {
  return JSON.stringify({ c: { [entityId]: diff } });
}

export function removePayload(entityIds: readonly string[]): string {
  return JSON.stringify({ r: entityIds });
}

/**
 * The payload that takes a client from `before` (what it holds; undefined: nothing) to `after`
 * for one entity: `a` when it holds nothing, `r` when the entity is gone, `c` otherwise; undefined
 * when nothing it receives changed.
 */
export function transitionPayload(entityId: string, before: StateLike | undefined, after: StateLike): string | undefined {
  if (isRemoval(after)) return before === undefined ? undefined : removePayload([entityId]);
  if (before === undefined || isRemoval(before)) return addPayload([after]);
  const diff = stateDiff(before, after);
  return diff ? changePayload(entityId, diff) : undefined;
}
