/**
 * The routing index: which subscribers an event goes to, in time proportional to the number of
 * matching subscribers, not to all of them.
 *
 * Subscribers are filed per event type (or under `*`), then either as "unrestricted" or under each
 * entity id and domain of their filter. An event looks up its own type and `*`, takes the
 * unrestricted set and the sets of its entity ids and domains. A subscriber filed under both an
 * entity and its domain would be found twice; a per-lookup stamp skips the second visit without
 * allocating a set per event. The stamp lives in a {@link RouteMark} each subscriber carries for
 * the index (no map from subscriber to entry: at thousands of streams a map entry costs more than
 * the slot), so routing never changes a subscriber's own state.
 *
 * Entity selections (`selection.ts`): the entities a stream's registry selectors resolve to are
 * filed like exact ids, in a map of their own (an id may be both, and a registry change must not
 * unfile the exact one); the hub re-files a stream when its resolved set changes. Globs are filed
 * under their literal domain (`sensor.*_power` under `sensor`) and tested against the event's
 * entities; a glob whose domain has a wildcard is tested for every event of the type.
 */
import { ALL_TYPES, type EventFilter, hasEntityRestriction, typesOf } from './filter.ts';
import type { HubEvent } from '../base/types.ts';

/** Scratch space a subscriber carries for the index: the stamp of the last lookup that visited it. */
export class RouteMark {
  value = 0;
}

/** What the index needs from a subscriber. */
export interface Routable {
  readonly filter: EventFilter;
  /** Written by the index only. */
  readonly routeMark: RouteMark;
}

class TypeBucket<T extends Routable> {
  readonly unrestricted = new Set<T>();
  readonly byEntity = new Map<string, Set<T>>();
  readonly byDomain = new Map<string, Set<T>>();
  /** Resolved registry selections, per entity id. */
  readonly bySelected = new Map<string, Set<T>>();
  /** Streams with a glob, per the glob's literal domain. */
  readonly byGlobDomain = new Map<string, Set<T>>();
  /** Streams with a glob whose domain part has a wildcard. */
  readonly anyDomainGlob = new Set<T>();

  get empty(): boolean {
    return (
      this.unrestricted.size === 0 &&
      this.byEntity.size === 0 &&
      this.byDomain.size === 0 &&
      this.bySelected.size === 0 &&
      this.byGlobDomain.size === 0 &&
      this.anyDomainGlob.size === 0
    );
  }
}

function addTo<K, T>(map: Map<K, Set<T>>, key: K, item: T): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(item);
}

function removeFrom<K, T>(map: Map<K, Set<T>>, key: K, item: T): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(item);
  if (set.size === 0) map.delete(key);
}

function globHit(item: Routable, entityIds: readonly string[]): boolean {
  for (const id of entityIds) if (item.filter.selection.globMatches(id)) return true;
  return false;
}

export class RoutingIndex<T extends Routable> {
  readonly #buckets = new Map<string, TypeBucket<T>>();
  #mark = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(item: T): void {
    const { filter } = item;
    const restricted = hasEntityRestriction(filter);
    for (const type of typesOf(filter)) {
      let bucket = this.#buckets.get(type);
      if (!bucket) this.#buckets.set(type, (bucket = new TypeBucket()));
      if (!restricted) {
        bucket.unrestricted.add(item);
        continue;
      }
      for (const id of filter.entityIds) addTo(bucket.byEntity, id, item);
      for (const domain of filter.domains) addTo(bucket.byDomain, domain, item);
      for (const id of filter.selection.resolved) addTo(bucket.bySelected, id, item);
      for (const glob of filter.selection.globs) {
        if (glob.domain === undefined) bucket.anyDomainGlob.add(item);
        else addTo(bucket.byGlobDomain, glob.domain, item);
      }
    }
    this.#size++;
  }

  /**
   * Re-files `item` after its selection's resolved part changed from `before` to its current one
   * (only the difference is touched). The item must be in the index.
   */
  reselect(item: T, before: ReadonlySet<string>): void {
    const { filter } = item;
    const after = filter.selection.resolved;
    for (const type of typesOf(filter)) {
      let bucket = this.#buckets.get(type);
      if (!bucket) this.#buckets.set(type, (bucket = new TypeBucket()));
      for (const id of before) if (!after.has(id)) removeFrom(bucket.bySelected, id, item);
      for (const id of after) if (!before.has(id)) addTo(bucket.bySelected, id, item);
      if (bucket.empty) this.#buckets.delete(type);
    }
  }

  remove(item: T): void {
    const { filter } = item;
    for (const type of typesOf(filter)) {
      const bucket = this.#buckets.get(type);
      if (!bucket) continue;
      bucket.unrestricted.delete(item);
      for (const id of filter.entityIds) removeFrom(bucket.byEntity, id, item);
      for (const domain of filter.domains) removeFrom(bucket.byDomain, domain, item);
      for (const id of filter.selection.resolved) removeFrom(bucket.bySelected, id, item);
      for (const glob of filter.selection.globs) {
        if (glob.domain === undefined) bucket.anyDomainGlob.delete(item);
        else removeFrom(bucket.byGlobDomain, glob.domain, item);
      }
      if (bucket.empty) this.#buckets.delete(type);
    }
    this.#size--;
  }

  /**
   * Calls `visit` once for every subscriber `event` passes. Returns how many were visited.
   * `visit` may not add or remove subscribers synchronously (the hub defers closes).
   */
  forEachMatch(event: Pick<HubEvent, 'type' | 'entityIds' | 'domains'>, visit: (item: T) => void): number {
    // Wraps after 2^53 lookups, long after any subscriber could still hold an old mark.
    const mark = (this.#mark = this.#mark === Number.MAX_SAFE_INTEGER ? 1 : this.#mark + 1);
    let count = 0;
    const step = (item: T): void => {
      const seen = item.routeMark;
      if (seen.value === mark) return;
      seen.value = mark;
      count++;
      visit(item);
    };
    for (const bucket of [this.#buckets.get(event.type), this.#buckets.get(ALL_TYPES)]) {
      if (!bucket) continue;
      for (const item of bucket.unrestricted) step(item);
      if (bucket.byEntity.size > 0) {
        for (const id of event.entityIds) {
          const set = bucket.byEntity.get(id);
          if (set) for (const item of set) step(item);
        }
      }
      if (bucket.byDomain.size > 0) {
        for (const domain of event.domains) {
          const set = bucket.byDomain.get(domain);
          if (set) for (const item of set) step(item);
        }
      }
      if (bucket.bySelected.size > 0) {
        for (const id of event.entityIds) {
          const set = bucket.bySelected.get(id);
          if (set) for (const item of set) step(item);
        }
      }
      // Size checks first: iterating even an empty collection allocates an iterator per event.
      if (bucket.byGlobDomain.size > 0 && event.entityIds.length > 0) {
        for (const domain of event.domains) {
          const set = bucket.byGlobDomain.get(domain);
          if (set) for (const item of set) if (globHit(item, event.entityIds)) step(item);
        }
      }
      if (bucket.anyDomainGlob.size > 0 && event.entityIds.length > 0) {
        for (const item of bucket.anyDomainGlob) if (globHit(item, event.entityIds)) step(item);
      }
    }
    return count;
  }

  /** The event types at least one subscriber listens to (`*` included when someone takes all). */
  types(): string[] {
    return [...this.#buckets.keys()];
  }
}
