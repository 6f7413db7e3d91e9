/**
 * Home Assistant websocket messages as pure functions: builders for what a client sends and
 * parsers for what core sends (docs/home-assistant.md; like home-assistant-js-websocket's
 * `messages.ts`). No I/O here, so every shape is testable alone (docs/ARCHITECTURE.md §5.7).
 */
import type { HaState } from '../base/types.ts';
import { isRecord } from '../base/is-record.ts';

/** A command before the connection gives it an id. */
export interface HaCommand {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface HaContext {
  id: string;
  parent_id: string | null;
  user_id: string | null;
}

/** Core's event object (docs/home-assistant.md §6), keys in core's order. */
export interface CoreEvent {
  event_type: string;
  data: Record<string, unknown>;
  origin: string;
  time_fired: string;
  context: HaContext;
}

export type ServerMessage =
  | { type: 'auth_required'; ha_version?: string }
  | { type: 'auth_ok'; ha_version?: string }
  | { type: 'auth_invalid'; message?: string }
  | { type: 'result'; id: number; success: true; result: unknown }
  | { type: 'result'; id: number; success: false; error: { code: string; message: string } }
  | { type: 'event'; id: number; event: unknown }
  | { type: 'pong'; id: number };

// ---- builders (client → core) ----

export const auth = (accessToken: string) => ({ type: 'auth', access_token: accessToken }) as const;

/** Asks core to coalesce queued messages into JSON-array frames (docs/home-assistant.md §3). */
export const supportedFeatures = (): HaCommand => ({ type: 'supported_features', features: { coalesce_messages: 1 } });

export const ping = (): HaCommand => ({ type: 'ping' });

/** Omitting `eventType` means `*` in core; we always send it explicitly. */
export const subscribeEvents = (eventType: string): HaCommand => ({ type: 'subscribe_events', event_type: eventType });

export const unsubscribeEvents = (subscription: number): HaCommand => ({ type: 'unsubscribe_events', subscription });

export const getStates = (): HaCommand => ({ type: 'get_states' });

export const currentUser = (): HaCommand => ({ type: 'auth/current_user' });

/** The text frame for a command with its id first, as core's own clients write it. */
export function encodeCommand(id: number, command: HaCommand): string {
  return JSON.stringify({ id, ...command });
}

// ---- parsers (core → client) ----

const isId = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value > 0;

/** One message object from core, or null when it is not a shape we understand. */
export function parseServerMessage(value: unknown): ServerMessage | null {
  if (!isRecord(value) || typeof value.type !== 'string') return null;
  switch (value.type) {
    case 'auth_required':
    case 'auth_ok':
      return { type: value.type, ...(typeof value.ha_version === 'string' ? { ha_version: value.ha_version } : {}) };
    case 'auth_invalid':
      return { type: 'auth_invalid', ...(typeof value.message === 'string' ? { message: value.message } : {}) };
    case 'pong':
      return isId(value.id) ? { type: 'pong', id: value.id } : null;
    case 'event':
      return isId(value.id) && 'event' in value ? { type: 'event', id: value.id, event: value.event } : null;
    case 'result': {
      if (!isId(value.id) || typeof value.success !== 'boolean') return null;
      if (value.success) return { type: 'result', id: value.id, success: true, result: value.result ?? null };
      const error = isRecord(value.error) ? value.error : {};
      return {
        type: 'result',
        id: value.id,
        success: false,
        error: {
          code: typeof error.code === 'string' ? error.code : 'unknown_error',
          message: typeof error.message === 'string' ? error.message : 'Unknown error',
        },
      };
    }
    default:
      return null;
  }
}

export interface ParsedFrame {
  messages: ServerMessage[];
  /** Entries that were not understood (or the whole frame when it is not JSON). */
  dropped: number;
}

/**
 * Parses one text frame. With `coalesce_messages` core sends a JSON array of messages when several
 * were queued, and a bare object otherwise (docs/home-assistant.md §3), so both are accepted.
 */
export function parseFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { messages: [], dropped: 1 };
  }
  const entries = Array.isArray(value) ? value : [value];
  const messages: ServerMessage[] = [];
  for (const entry of entries) {
    const message = parseServerMessage(entry);
    if (message) messages.push(message);
  }
  return { messages, dropped: entries.length - messages.length };
}

function parseContext(value: unknown): HaContext | null {
  if (!isRecord(value) || typeof value.id !== 'string') return null;
  const optional = (v: unknown) => (typeof v === 'string' ? v : null);
  return { id: value.id, parent_id: optional(value.parent_id), user_id: optional(value.user_id) };
}

/** Core's event object (the `event` of an event message for `subscribe_events`), or null when malformed. */
export function parseCoreEvent(value: unknown): CoreEvent | null {
  if (!isRecord(value) || typeof value.event_type !== 'string' || typeof value.time_fired !== 'string') return null;
  if (Number.isNaN(Date.parse(value.time_fired))) return null;
  const context = parseContext(value.context) ?? { id: '', parent_id: null, user_id: null };
  return {
    event_type: value.event_type,
    data: isRecord(value.data) ? value.data : {},
    origin: typeof value.origin === 'string' ? value.origin : 'LOCAL',
    time_fired: value.time_fired,
    context,
  };
}

/** A state object (docs/home-assistant.md §7), or null when malformed. */
export function parseState(value: unknown): HaState | null {
  if (!isRecord(value)) return null;
  const { entity_id, state, attributes, last_changed, last_updated, last_reported } = value;
  if (typeof entity_id !== 'string' || !entity_id.includes('.') || typeof state !== 'string') return null;
  if (typeof last_changed !== 'string' || typeof last_updated !== 'string') return null;
  return {
    entity_id,
    state,
    attributes: isRecord(attributes) ? attributes : {},
    last_changed,
    ...(typeof last_reported === 'string' ? { last_reported } : {}),
    last_updated,
    context: parseContext(value.context) ?? { id: '', parent_id: null, user_id: null },
  };
}

/** The result of `get_states`: every well-formed state (malformed entries are skipped). */
export function parseStates(value: unknown): HaState[] {
  if (!Array.isArray(value)) return [];
  return value.map(parseState).filter((s): s is HaState => s !== null);
}

/** The user object of `auth/current_user` (docs/home-assistant.md §10), reduced to what the product needs. */
export function parseCurrentUser(value: unknown): { id: string; name: string; isAdmin: boolean } | null {
  if (!isRecord(value) || typeof value.id !== 'string' || value.id === '') return null;
  return {
    id: value.id,
    name: typeof value.name === 'string' ? value.name : value.id,
    isAdmin: value.is_admin === true,
  };
}
