/**
 * Keeps the registry part of every stream's selection (`selection.ts`) in step with core's
 * registries (DOCS.md, "Selecting entities"; docs/home-assistant.md §18): a stream's selectors are
 * resolved when it opens, and again for every stream after each registry change, once per distinct
 * set of selectors. The routing index is re-filed with the difference; a stream that asked for
 * `initial_state` receives the current state of each entity that entered its selection, as the
 * `state_changed` frame it would have got at the start. Entities that leave simply stop arriving.
 */
import type { EntitySelectors, HaState, StateSource, TargetSource } from '../base/types.ts';
import { isoTime } from '../base/iso-time.ts';
import { type EventFilter, typePasses } from './filter.ts';
import { encodeFrame, initialStatePayload } from './frame.ts';
import type { RoutingIndex } from './routing.ts';
import type { Subscriber } from './subscriber.ts';

/** What the sync needs of the hub. */
export interface SelectionSyncContext {
  targets: TargetSource;
  states: StateSource;
  routing: RoutingIndex<Subscriber>;
  now(): number;
  /** Writes what a batching stream has queued, so a state frame cannot overtake it; false when the limit refused. */
  flushQueued(sub: Subscriber, now: number): boolean;
  /** Closes a stream the limit refused (as a slow consumer). */
  overflowed(sub: Subscriber): void;
}

/** Resolves nothing: the hub without a registry source (tests, a core without registries). */
export const NO_TARGETS: TargetSource = {
  resolve: () => new Set(),
  onChange: () => () => {},
};

function keyOf(selectors: EntitySelectors): string {
  const part = (values: readonly string[]) => [...values].sort().join(',');
  return [selectors.areas, selectors.floors, selectors.labels, selectors.devices, selectors.integrations].map(part).join('|');
}

export class SelectionSync {
  readonly #ctx: SelectionSyncContext;
  /** Streams with registry selectors, and whether each asked for `initial_state`. */
  readonly #streams = new Map<Subscriber, boolean>();
  #unlisten: (() => void) | undefined;

  constructor(ctx: SelectionSyncContext) {
    this.#ctx = ctx;
  }

  start(): void {
    this.#unlisten ??= this.#ctx.targets.onChange(() => this.refresh());
  }

  stop(): void {
    this.#unlisten?.();
    this.#unlisten = undefined;
    this.#streams.clear();
  }

  /** Resolves a new stream's selectors; call before it is added to the routing index. */
  attach(sub: Subscriber, initialState: boolean): void {
    const selectors = sub.filter.selection.selectors;
    if (!selectors) return;
    sub.filter.selection.setResolved(this.#ctx.targets.resolve(selectors), false);
    this.#streams.set(sub, initialState);
  }

  /** Forgets a stream (closed or gone). */
  detach(sub: Subscriber): void {
    this.#streams.delete(sub);
  }

  /** Resolves every stream's selectors again (the registries changed). */
  refresh(): void {
    const resolved = new Map<string, ReadonlySet<string>>();
    let states: Map<string, HaState> | undefined;
    const now = this.#ctx.now();
    const overflowed: Subscriber[] = [];
    for (const [sub, initialState] of this.#streams) {
      if (!sub.open) continue;
      const selection = sub.filter.selection;
      const selectors = selection.selectors;
      if (!selectors) continue;
      const key = keyOf(selectors);
      let next = resolved.get(key);
      if (!next) resolved.set(key, (next = this.#ctx.targets.resolve(selectors)));
      const before = selection.resolved;
      const { added } = selection.setResolved(next);
      this.#ctx.routing.reselect(sub, before);
      if (!initialState || added.length === 0 || sub.state !== 'live' || !wantsStates(sub.filter)) continue;
      states ??= new Map(this.#ctx.states.getStates().map((state) => [state.entity_id, state]));
      if (!this.#writeStates(sub, added, states, now)) overflowed.push(sub);
    }
    for (const sub of overflowed) this.#ctx.overflowed(sub);
  }

  #writeStates(sub: Subscriber, ids: readonly string[], states: ReadonlyMap<string, HaState>, now: number): boolean {
    if (sub.hasQueued && !this.#ctx.flushQueued(sub, now)) return false;
    const timestamp = isoTime(now);
    for (const id of ids) {
      const state = states.get(id);
      // The stream's position is unchanged: a resume from here does not ask for these again.
      if (state && !sub.write(encodeFrame({ id: sub.lastId, data: initialStatePayload(state, timestamp) }), now)) return false;
    }
    return true;
  }
}

function wantsStates(filter: EventFilter): boolean {
  return typePasses(filter, 'state_changed');
}
