/**
 * Core event → {@link HubEvent}, exactly as DOCS.md describes the payloads. Pure: the receive
 * time is a parameter.
 *
 * - `state_changed` → `{entity_id, state, attributes, last_changed, last_updated, old_state}`
 *   (a removed entity has `state: null`, `attributes: {}` and both times = `time_fired`);
 * - `call_service` → `service_called` `{domain, service, service_data}`;
 * - `automation_triggered` → `{automation_id, name, source?, trigger?}`;
 * - `script_started` → `script_executed` `{script_id, name, execution_data: {status: "started"}}`;
 * - any other type: core's data unchanged.
 */
import { PRODUCT_TO_CORE_TYPE, type HaState, type HubEvent } from '../base/types.ts';
import type { CoreEvent } from './messages.ts';
import { isoTime } from '../base/iso-time.ts';
import { isRecord } from '../base/is-record.ts';

/** `light.kitchen` → `light`; undefined when the id has no domain. */
export function domainOf(entityId: string): string | undefined {
  const dot = entityId.indexOf('.');
  return dot > 0 ? entityId.slice(0, dot) : undefined;
}

/** A string or a list of strings (core's `entity_id` in service data) → list. */
function entityIdList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function concerned(entityIds: string[], extraDomains: string[] = []): { entityIds: string[]; domains: string[] } {
  const ids = [...new Set(entityIds)];
  const domains = new Set(extraDomains);
  for (const id of ids) {
    const domain = domainOf(id);
    if (domain) domains.add(domain);
  }
  return { entityIds: ids, domains: [...domains] };
}

function stateChanged(event: CoreEvent) {
  const { entity_id: entityId, old_state: oldState, new_state: newState } = event.data;
  const id = typeof entityId === 'string' ? entityId : isRecord(newState) && typeof newState.entity_id === 'string' ? newState.entity_id : '';
  const fresh = isRecord(newState) ? (newState as Partial<HaState>) : undefined;
  const data = {
    entity_id: id,
    state: fresh ? (fresh.state ?? null) : null,
    attributes: fresh && isRecord(fresh.attributes) ? fresh.attributes : {},
    last_changed: fresh?.last_changed ?? event.time_fired,
    last_updated: fresh?.last_updated ?? event.time_fired,
    old_state: isRecord(oldState) ? oldState : null,
  };
  return { type: 'state_changed', data, ...concerned(id ? [id] : []) };
}

function serviceCalled(event: CoreEvent) {
  const { domain, service } = event.data;
  const serviceData = isRecord(event.data.service_data) ? event.data.service_data : {};
  const data = { domain, service, service_data: serviceData };
  return { type: 'service_called', data, ...concerned(entityIdList(serviceData.entity_id), typeof domain === 'string' ? [domain] : []) };
}

function automationTriggered(event: CoreEvent) {
  const { entity_id: entityId, name, source, trigger } = event.data;
  const data: Record<string, unknown> = { automation_id: entityId, name };
  if ('source' in event.data) data.source = source;
  if ('trigger' in event.data) data.trigger = trigger;
  return { type: 'automation_triggered', data, ...concerned(entityIdList(entityId)) };
}

function scriptExecuted(event: CoreEvent) {
  const { entity_id: entityId, name } = event.data;
  const data = { script_id: entityId, name, execution_data: { status: 'started' } };
  return { type: 'script_executed', data, ...concerned(entityIdList(entityId)) };
}

function passthrough(event: CoreEvent) {
  const entityId = event.data.entity_id;
  return { type: event.event_type, data: event.data, ...concerned(typeof entityId === 'string' ? [entityId] : []) };
}

/** Normalizes one core event received at `receivedAt` (epoch ms). */
export function normalizeEvent(event: CoreEvent, receivedAt: number): HubEvent {
  const shaped =
    event.event_type === 'state_changed'
      ? stateChanged(event)
      : event.event_type === 'call_service'
        ? serviceCalled(event)
        : event.event_type === 'automation_triggered'
          ? automationTriggered(event)
          : event.event_type === 'script_started'
            ? scriptExecuted(event)
            : passthrough(event);
  const firedAt = Date.parse(event.time_fired);
  return { ...shaped, timestamp: isoTime(firedAt), firedAt, receivedAt, coreId: `${event.context.id}|${event.event_type}|${event.time_fired}` };
}

const CORE_TO_PRODUCT: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(PRODUCT_TO_CORE_TYPE).map(([product, core]) => [core, product]),
);

/** The product type a core event type is published as (`call_service` → `service_called`, …). */
export const productTypeOf = (coreType: string): string => CORE_TO_PRODUCT[coreType] ?? coreType;

/** The core event type to subscribe to for a product type (`service_called` → `call_service`, …). */
export const coreTypeOf = (productType: string): string => PRODUCT_TO_CORE_TYPE[productType] ?? productType;
