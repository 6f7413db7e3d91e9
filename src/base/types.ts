/**
 * The product's domain types and the seams between its modules. This file imports nothing
 * (docs/ARCHITECTURE.md §5.3: types at the bottom); every layer may import it.
 *
 * Data flow (docs/ARCHITECTURE.md §1): ha/bridge → Transport → hub → subscribers; the hub reports to a
 * HubObserver (metrics/collector) and answers snapshots for the HTTP and stats layers.
 */

/** A Home Assistant event after normalization (DOCS.md), ready for routing. */
export interface HubEvent {
  /** Product event type: `state_changed`, `service_called`, `automation_triggered`, `script_executed`, or core's own type. */
  readonly type: string;
  /** The payload's `data` (DOCS.md shapes). */
  readonly data: unknown;
  /** Core's `time_fired`, ISO 8601 UTC. Becomes the payload's `timestamp`. */
  readonly timestamp: string;
  /** Entity ids the event concerns (state_changed: its entity; service_called: its targets; ...). */
  readonly entityIds: readonly string[];
  /** Domains the event concerns (the entities' domains; for service_called also the service's domain). */
  readonly domains: readonly string[];
  /** Core's time_fired in epoch milliseconds (latency origin). */
  readonly firedAt: number;
  /** Epoch milliseconds when the bridge received the event from core. */
  readonly receivedAt: number;
  /** True for synthetic state_changed events emitted after a reconnect for changes missed while away. */
  readonly resync?: boolean;
  /**
   * Core's identity of the event: context id, core event type and `time_fired` (microseconds), so
   * two connections to core recognise the same event (the Redis standby's handover buffer). Not sent to clients.
   */
  readonly coreId?: string;
}

/** An event with the id the transport gave it; ids are the SSE `id:` values. */
export interface StampedEvent {
  readonly id: string;
  readonly event: HubEvent;
}

/** Who is on the other end of a request, after authentication. */
export interface User {
  readonly id: string;
  readonly name: string;
  readonly isAdmin: boolean;
}

/** A Home Assistant state object (core's `State.as_dict`). */
export interface HaState {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed: string;
  last_reported?: string;
  last_updated: string;
  context: { id: string; parent_id: string | null; user_id: string | null };
}

/**
 * Event types non-admin users may subscribe to: core's SUBSCRIBE_ALLOWLIST
 * (homeassistant/auth/permissions/events.py; docs/home-assistant.md §11). Product and core names agree for all of them.
 */
export const NON_ADMIN_EVENT_TYPES: ReadonlySet<string> = new Set([
  'area_registry_updated',
  'category_registry_updated',
  'component_loaded',
  'core_config_updated',
  'device_registry_updated',
  'entity_registry_updated',
  'floor_registry_updated',
  'label_registry_updated',
  'lovelace_updated',
  'panels_updated',
  'recorder_5min_statistics_generated',
  'recorder_hourly_statistics_generated',
  'repairs_issue_registry_updated',
  'service_registered',
  'service_removed',
  'shopping_list_updated',
  'state_changed',
  'themes_updated',
]);

/** Product event type ↔ core event type, where they differ (DOCS.md). */
export const PRODUCT_TO_CORE_TYPE: Readonly<Record<string, string>> = {
  service_called: 'call_service',
  script_executed: 'script_started',
};

/** What the hub needs from the Home Assistant side (implemented by ha/bridge). */
export interface EventInterest {
  /**
   * Declares that someone needs product event type `type` (or `*` for every type).
   * Returns a release function; the bridge holds one core subscription per type while any interest remains.
   */
  retain(type: string): () => void;
  /**
   * True when every event type is recorded whoever retains it (Redis mode: the leader subscribes
   * to everything), so a resume never needs the per-type recording check. Default false.
   */
  readonly recordsEverything?: boolean;
}

/** Current states, for `initial_state=true` (implemented by ha/bridge's state cache). */
export interface StateSource {
  getStates(): readonly HaState[];
}

/**
 * Registry selectors of one stream (`area_id`, `floor_id`, `label_id`, `device_id`, `integration`;
 * DOCS.md), resolved to entity ids the way core resolves a service target (docs/home-assistant.md §18).
 */
export interface EntitySelectors {
  readonly areas: readonly string[];
  readonly floors: readonly string[];
  readonly labels: readonly string[];
  readonly devices: readonly string[];
  /** Integration domains: entities whose registry `platform` is one of them. */
  readonly integrations: readonly string[];
}

/** Resolves registry selectors to entity ids (implemented by ha/registry's sync of core's registries). */
export interface TargetSource {
  /** The entity ids the selectors select now; unknown ids select nothing. */
  resolve(selectors: EntitySelectors): ReadonlySet<string>;
  /** Called after the registries changed (a re-list finished); returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

export type UpstreamState = 'connected' | 'disconnected';

/** The upstream link status, announced to subscribers (`upstream_unavailable`). */
export interface UpstreamStatus {
  readonly state: UpstreamState;
  onChange(listener: (state: UpstreamState) => void): () => void;
}

/** One stream's public description (the `connection` object of DOCS.md, in camelCase). */
export interface ConnectionSnapshot {
  id: string;
  clientId: string;
  userId: string;
  userName: string;
  connectedAt: number;
  lastEventAt: number | null;
  eventsSent: number;
  bytesSent: number;
  subscriptions: { eventType: string; entityId: string | null }[];
  state: 'active' | 'closing';
  ipAddress: string;
  userAgent: string;
  httpVersion: string;
  listener: 'lan' | 'ingress';
  /** Bytes written to the socket but not yet flushed to the kernel. */
  backlogBytes: number;
}

/** Why a stream ended. */
export type CloseReason =
  | 'client_closed'
  | 'slow_consumer'
  | 'inactive'
  | 'max_age'
  | 'server_shutdown'
  | 'admin_closed'
  | 'error';

/** Counters the hub reports as it works (implemented by metrics/collector). All calls are cheap and synchronous. */
export interface HubObserver {
  connectionOpened(conn: ConnectionSnapshot): void;
  connectionClosed(conn: ConnectionSnapshot, reason: CloseReason): void;
  /** An event arrived at the hub from the transport. */
  eventReceived(event: HubEvent): void;
  /** One event was written to `count` sockets, `bytes` each, at `writtenAt` (epoch ms). */
  delivered(event: HubEvent, count: number, bytes: number, writtenAt: number): void;
  /** Deliveries that failed or were dropped (slow consumer, closed socket). */
  deliveryFailed(reason: string, count: number): void;
  rateLimited(kind: 'request' | 'stream'): void;
}

/** What the stats and management layer needs from the hub (implemented by hub/hub.ts). */
export interface ConnectionRegistry {
  list(): ConnectionSnapshot[];
  get(id: string): ConnectionSnapshot | undefined;
  /** Closes one stream (sending it an `error` event first); false when no such stream. */
  close(id: string, reason: CloseReason): boolean;
  /** Bytes written to all streams' sockets but not yet flushed. */
  backlogBytes(): number;
  /** Writes a system event (e.g. `alert`) to every stream whose user is an admin. */
  notifyAdmins(type: string, data: unknown): void;
}
