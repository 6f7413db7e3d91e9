/**
 * A subscriber's filter and the predicate that decides whether an event passes it (DOCS.md):
 * its type is in `types` AND, when entity ids or domains are given, one of its entity ids is in
 * `entityIds` OR one of its domains is in `domains`.
 *
 * The routing index (`routing.ts`) answers the same question for many subscribers at once; this
 * predicate is the reference it is tested against, and is used for replay and initial states.
 */
import type { HubEvent } from '../base/types.ts';

/** `'*'` stands for every event type (admins without an `events` filter). */
export const ALL_TYPES = '*';

export interface EventFilter {
  /** Event types that pass, or {@link ALL_TYPES}. */
  readonly types: ReadonlySet<string> | typeof ALL_TYPES;
  /** Entity ids that pass; empty together with `domains` = no entity restriction. */
  readonly entityIds: ReadonlySet<string>;
  /** Domains that pass. */
  readonly domains: ReadonlySet<string>;
}

/** Shared by every filter without entities or domains: one idle stream costs a few hundred bytes less. */
const NONE: ReadonlySet<string> = Object.freeze(new Set<string>());

function setOf(items: Iterable<string>): ReadonlySet<string> {
  const set = new Set(items);
  return set.size > 0 ? set : NONE;
}

export function createFilter(
  types: Iterable<string> | typeof ALL_TYPES,
  entityIds: Iterable<string> = [],
  domains: Iterable<string> = [],
): EventFilter {
  return {
    // The non-admin default is the shared allowlist itself, not a copy per stream.
    types: types === ALL_TYPES ? ALL_TYPES : types instanceof Set ? (types as ReadonlySet<string>) : new Set(types),
    entityIds: setOf(entityIds),
    domains: setOf(domains),
  };
}

/** True when the filter restricts events by entity or domain. */
export function hasEntityRestriction(filter: EventFilter): boolean {
  return filter.entityIds.size > 0 || filter.domains.size > 0;
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
  if (!hasEntityRestriction(filter)) return true;
  for (const id of event.entityIds) if (filter.entityIds.has(id)) return true;
  for (const domain of event.domains) if (filter.domains.has(domain)) return true;
  return false;
}

/** The domain of an entity id (`light.kitchen` → `light`). */
export function domainOf(entityId: string): string {
  const dot = entityId.indexOf('.');
  return dot < 0 ? entityId : entityId.slice(0, dot);
}
