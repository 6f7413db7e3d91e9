/** What a client emits, and the error it stops with. */
import type {
  AutomationTriggeredMessage,
  ConnectionMessage,
  ConnectionStatus,
  EntityState,
  ErrorMessage,
  ReconnectInfo,
  ScriptExecutedMessage,
  ServerMessage,
  ServiceCalledMessage,
  StateChangedMessage,
  StatesSnapshot,
} from './types.ts';
import type { EntitiesMessage } from './compressed-states.ts';

export interface EntitiesUpdate {
  message: EntitiesMessage;
  changed: EntityState[];
  /** The frame's SSE id (the last message of a batch carries the batch's). */
  eventId?: string;
}

/** The events a client emits. Other server event types arrive under their own name as {@link ServerMessage}. */
export interface ClientEvents {
  /** Every message from the server, system ones included. */
  message: ServerMessage;
  connection: ConnectionMessage;
  ping: ServerMessage<'ping'>;
  /** Every `error` payload; also emitted under its code (`replay_gap`, `upstream_unavailable`, …). */
  error: ErrorMessage;
  upstream_unavailable: ErrorMessage;
  replay_gap: ErrorMessage;
  server_shutdown: ErrorMessage;
  rate_limit_exceeded: ErrorMessage;
  state_changed: StateChangedMessage;
  service_called: ServiceCalledMessage;
  automation_triggered: AutomationTriggeredMessage;
  script_executed: ScriptExecutedMessage;
  /** A `format=entities` message (`a`, `c` or `r`) after it was applied to the states; `changed` lists what it touched (removed entities with `state: null`). */
  entities: EntitiesUpdate;
  /** The cached states as a whole: restored from storage, or a complete snapshot from the server. */
  states: StatesSnapshot;
  status: ConnectionStatus;
  reconnecting: ReconnectInfo;
  /** The client stopped: `close()` (no error) or a 401/403 (with the error). */
  closed: { error?: SseClientError };
}

/** Why the client gave up (401/403), with the hub's `error_code` and status. */
export class SseClientError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SseClientError';
  }
}
