/**
 * A subscriber's filter and the predicate that decides whether an event passes it (DOCS.md):
 * its type is in `types` AND, when entity selectors are given, one of its entity ids is in the
 * stream's selection (`selection.ts`: exact ids, globs, domains and the registry selectors, a union)
 * OR one of its domains is in `domains` (a service call of that domain without targets).
 *
 * The routing index (`routing.ts`) answers the same question for many subscribers at once; this
 * predicate is the reference it is tested against, and is used for replay and initial states.
 */
import type { EntitySelectors, HubEvent } from '../base/types.ts';
import { Selection } from './selection.ts';

/** `'*'` stands for every event type (admins without an `events` filter). */
export const ALL_TYPES = '*';

export interface EventFilter {
  /** Event types that pass, or {@link ALL_TYPES}. */
  readonly types: ReadonlySet<string> | typeof ALL_TYPES;
  /** Entity ids that pass; empty together with `domains` = no entity restriction. */
  readonly entityIds: ReadonlySet<string>;
  /** Domains that pass. */
  readonly domains: ReadonlySet<string>;
  /** The stream's entity selection (its `entityIds` and `domains` are the two sets above). */
  readonly selection: Selection;
}

/** Entity selectors beyond exact ids and domains. */
export interface FilterSelectors {
  /** `entity_id` globs (`sensor.*_power`). */
  globs?: Iterable<string>;
  /** Registry selectors, resolved by the hub's target source. */
  selectors?: EntitySelectors;
}

export function createFilter(
  types: Iterable<string> | typeof ALL_TYPES,
  entityIds: Iterable<string> = [],
  domains: Iterable<string> = [],
  more: FilterSelectors = {},
): EventFilter {
  const selection = new Selection({ entityIds, domains, globs: more.globs, selectors: more.selectors });
  return {
    // The non-admin default is the shared allowlist itself, not a copy per stream.
    types: types === ALL_TYPES ? ALL_TYPES : types instanceof Set ? (types as ReadonlySet<string>) : new Set(types),
    entityIds: selection.entityIds,
    domains: selection.domains,
    selection,
  };
}

/** True when the filter restricts events by entity or domain. */
export function hasEntityRestriction(filter: EventFilter): boolean {
  return filter.selection.restricted;
}

/** The keys a filter is routed under: its event types, or `*` alone when it takes every type. */
export function typesOf(filter: EventFilter): Iterable<string> {
  return filter.types === ALL_TYPES ? [ALL_TYPES] : filter.types;
}

export function typePasses(filter: EventFilter, type: string): boolean {
  return filter.types === ALL_TYPES || filter.types.has(type);
}

/** Whether `event` passes `filter`. */
export function matches(filter: EventFilter, event: Pick<HubEvent, 'type' | 'entityIds' | 'domains'>): boolean {
  if (!typePasses(filter, event.type)) return false;
  const selection = filter.selection;
  if (!selection.restricted) return true;
  for (const id of event.entityIds) if (selection.has(id)) return true;
  for (const domain of event.domains) if (filter.domains.has(domain)) return true;
  return false;
}

/** The domain of an entity id (`light.kitchen` → `light`). */
export function domainOf(entityId: string): string {
  const dot = entityId.indexOf('.');
  return dot < 0 ? entityId : entityId.slice(0, dot);
}
