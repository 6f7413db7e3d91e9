/**
 * The messages the hub sends (DOCS.md, "Event format") as the client hands them to applications.
 * Imports nothing: the browser build, the React hook and Node all share these types.
 */

/** Every payload is JSON `{type, data?, timestamp}`; `eventId` is the SSE `id:` it arrived with, if any. */
export interface ServerMessage<T extends string = string, D = unknown> {
  type: T;
  data?: D;
  timestamp: string;
  /** The SSE id of the frame (the resume point), absent on frames without one (state snapshots). */
  eventId?: string;
}

/** The current state of one entity, as `state_changed` carries it and the cache keeps it. */
export interface EntityState {
  entity_id: string;
  /** null when the entity was removed. */
  state: string | null;
  attributes: Record<string, unknown>;
  last_changed: string;
  last_updated: string;
}

export interface StateChangedData extends EntityState {
  old_state: Record<string, unknown> | null;
  /** Set on events the hub sends after Home Assistant came back, for what changed meanwhile. */
  resync?: boolean;
}

export interface ConnectionMessage extends ServerMessage<'connection'> {
  status: 'connected';
  /** The stream's connection id (as listed by `GET /api/sse/connections`), not an SSE id. */
  id: string;
  authenticated: boolean;
}

/** `error` payloads: `{type:"error", error:<code>, message, timestamp}`. */
export interface ErrorMessage extends ServerMessage<'error'> {
  error: string;
  message: string;
}

export type StateChangedMessage = ServerMessage<'state_changed', StateChangedData>;
export type ServiceCalledMessage = ServerMessage<'service_called', { domain: string; service: string; service_data: Record<string, unknown> }>;
export type AutomationTriggeredMessage = ServerMessage<
  'automation_triggered',
  { automation_id: string; name: string; source?: string; trigger?: unknown }
>;
export type ScriptExecutedMessage = ServerMessage<
  'script_executed',
  { script_id: string; name: string; execution_data: { status: string } }
>;

/** Where the client is: `connecting` (first attempt), `open`, `reconnecting` (waiting or retrying), `closed`. */
export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Why the cached states changed as a whole. */
export type StatesReason = 'cache' | 'initial' | 'replay_gap';

export interface StatesSnapshot {
  reason: StatesReason;
  states: Record<string, EntityState>;
}

export interface ReconnectInfo {
  /** Consecutive attempts that did not reach `connection` (0 after a stream that was open). */
  attempt: number;
  delayMs: number;
  reason: string;
}

/** Client-side metrics (see {@link SseClient.metrics}). */
export interface ClientMetrics {
  /** Milliseconds from the request to the `connection` message, for the last stream that opened. */
  connectionTimeMs: number | null;
  /** Total milliseconds spent with an open stream. */
  connectedMs: number;
  /** Streams opened after the first one. */
  reconnects: number;
  messagesReceived: number;
  /** Mean milliseconds between consecutive messages (null before two messages). */
  averageInterMessageMs: number | null;
  /** Share of the time since `connect()` spent with an open stream, in [0, 1]. */
  stability: number;
  lastError: { message: string; code: string; at: number } | null;
}

/** The timer functions the client uses; tests inject fake ones. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The parts of the Web Storage API the cache uses (`localStorage` in browsers). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
