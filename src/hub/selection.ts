/**
 * A stream's entity selection (DOCS.md, "Selecting entities"): the union of its entity selectors.
 * `entity_id` (exact ids and `*`/`?` globs), `domain`, and the registry selectors (`area_id`,
 * `floor_id`, `label_id`, `device_id`, `integration`) resolved to a materialised set of entity ids.
 *
 * The exact ids, domains and globs never change for a stream; the resolved set is replaced when the
 * registries change (`selection-sync.ts`), and every listener hears which entities entered or left
 * the selection as {@link EntitySelection.has} sees it: an entity that is still selected by its id
 * or domain neither enters nor leaves when an area drops it.
 *
 * This is the seam for anything that shapes a stream per entity (removal frames, snapshots): ask
 * `has(entityId)`, listen with `onChange`.
 */
import type { EntitySelectors } from '../base/types.ts';

/** Told with the entities that entered and left a selection; neither list is empty at once. */
export type SelectionListener = (added: readonly string[], removed: readonly string[]) => void;

/** What a stream's consumers need of its selection. */
export interface EntitySelection {
  /** False when the stream takes every entity (no entity selector was given). */
  readonly restricted: boolean;
  /** Whether events of `entityId` belong to the stream's selection (always true when unrestricted). */
  has(entityId: string): boolean;
  /** Listens to changes of the selection (registry changes only); returns the unsubscribe function. */
  onChange(listener: SelectionListener): () => void;
}

/** Shared by every selection without exact ids, domains or a resolved part. */
const NONE: ReadonlySet<string> = Object.freeze(new Set<string>());

function setOf(items: Iterable<string>): ReadonlySet<string> {
  const set = new Set(items);
  return set.size > 0 ? set : NONE;
}

/** True when `value` holds a glob wildcard (`*` or `?`). */
export function isGlob(value: string): boolean {
  return value.includes('*') || value.includes('?');
}

/**
 * An `entity_id` glob, matched like Home Assistant's entity filters (fnmatch on the whole id):
 * `*` is any run of characters (dots included), `?` one character.
 */
export class EntityGlob {
  readonly pattern: string;
  /** The literal domain before the first dot, when the domain part holds no wildcard (the routing key). */
  readonly domain: string | undefined;
  readonly #regex: RegExp;

  constructor(pattern: string) {
    this.pattern = pattern;
    const dot = pattern.indexOf('.');
    const head = dot < 0 ? pattern : pattern.slice(0, dot);
    this.domain = dot > 0 && !isGlob(head) ? head : undefined;
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    this.#regex = new RegExp(`^${body}$`);
  }

  test(entityId: string): boolean {
    return this.#regex.test(entityId);
  }
}

/** What a selection is built from; every part may be empty. */
export interface SelectionSpec {
  entityIds?: Iterable<string>;
  domains?: Iterable<string>;
  globs?: Iterable<string>;
  /** Registry selectors; undefined or all empty: the selection has no resolved part. */
  selectors?: EntitySelectors;
}

function hasSelectors(selectors: EntitySelectors | undefined): selectors is EntitySelectors {
  if (!selectors) return false;
  const { areas, floors, labels, devices, integrations } = selectors;
  return areas.length + floors.length + labels.length + devices.length + integrations.length > 0;
}

export class Selection implements EntitySelection {
  /** Exact entity ids (`entity_id=` without wildcards). */
  readonly entityIds: ReadonlySet<string>;
  readonly domains: ReadonlySet<string>;
  readonly globs: readonly EntityGlob[];
  /** The registry selectors, when the stream gave any: their resolution is {@link resolved}. */
  readonly selectors: EntitySelectors | undefined;
  #resolved: ReadonlySet<string> = NONE;
  #listeners: Set<SelectionListener> | undefined;

  constructor(spec: SelectionSpec = {}) {
    this.entityIds = setOf(spec.entityIds ?? []);
    this.domains = setOf(spec.domains ?? []);
    this.globs = [...new Set(spec.globs ?? [])].map((pattern) => new EntityGlob(pattern));
    this.selectors = hasSelectors(spec.selectors) ? spec.selectors : undefined;
  }

  get restricted(): boolean {
    return this.entityIds.size > 0 || this.domains.size > 0 || this.globs.length > 0 || this.selectors !== undefined;
  }

  /** The entity ids the registry selectors resolve to now (empty without selectors). */
  get resolved(): ReadonlySet<string> {
    return this.#resolved;
  }

  has(entityId: string): boolean {
    if (!this.restricted) return true;
    return this.#resolved.has(entityId) || this.#staticHas(entityId);
  }

  /** Whether one of the stream's globs matches `entityId`. */
  globMatches(entityId: string): boolean {
    for (const glob of this.globs) if (glob.test(entityId)) return true;
    return false;
  }

  onChange(listener: SelectionListener): () => void {
    (this.#listeners ??= new Set()).add(listener);
    return () => {
      this.#listeners?.delete(listener);
    };
  }

  /**
   * Replaces the resolved part. Returns (and, with `notify`, tells the listeners) the entities that
   * entered and left the selection; an entity also selected by id, domain or glob does neither.
   * The first resolution, when the stream opens, is its starting selection, not a change: the hub
   * sets it with `notify` false.
   */
  setResolved(next: ReadonlySet<string>, notify = true): { added: string[]; removed: string[] } {
    const previous = this.#resolved;
    this.#resolved = next.size > 0 ? next : NONE;
    const added: string[] = [];
    const removed: string[] = [];
    for (const id of next) if (!previous.has(id) && !this.#staticHas(id)) added.push(id);
    for (const id of previous) if (!next.has(id) && !this.#staticHas(id)) removed.push(id);
    if (notify && (added.length > 0 || removed.length > 0) && this.#listeners) {
      for (const listener of [...this.#listeners]) listener(added, removed);
    }
    return { added, removed };
  }

  #staticHas(entityId: string): boolean {
    if (this.entityIds.has(entityId)) return true;
    if (this.domains.size > 0) {
      const dot = entityId.indexOf('.');
      if (this.domains.has(dot < 0 ? entityId : entityId.slice(0, dot))) return true;
    }
    return this.globs.length > 0 && this.globMatches(entityId);
  }
}
