/**
 * The hub's own entities in Home Assistant (src/stats/ha-sensors.ts writes them). Core answers each
 * write with a `state_changed` event, which comes back to the hub like any other. The hub's figures
 * (events in, events/s, the event-rate alerts, the history) leave these out, so they measure
 * Home Assistant and not the hub's own reporting; streams still receive them (DOCS.md "Statistics";
 * docs/decisions.md §11).
 */

/** Every hub entity id starts with one of these. */
export const OWN_ENTITY_PREFIXES = ['sensor.sse_hub_', 'binary_sensor.sse_hub_'] as const;

export function isOwnEntity(entityId: string): boolean {
  return OWN_ENTITY_PREFIXES.some((prefix) => entityId.startsWith(prefix));
}

/** True for an event that concerns only the hub's own entities (and at least one). */
export function concernsOnlyOwnEntities(entityIds: readonly string[]): boolean {
  return entityIds.length > 0 && entityIds.every(isOwnEntity);
}
