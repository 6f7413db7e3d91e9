/**
 * SSE wire format, as pure functions (docs/ARCHITECTURE.md §5.7). Every frame is data-only (no `event:` field) so
 * `EventSource.onmessage` receives it, carries an `id:` when it has one, and the first frame of a
 * stream carries `retry:`. Payloads are JSON `{type, data?, timestamp}` (DOCS.md).
 *
 * A frame is encoded once into a Buffer and the hub writes that same Buffer to every matching
 * stream; a transfer coding, if the stream has one, is the HTTP layer's (`src/http/sse-stream.ts`).
 * Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
import type { HaState, HubEvent } from '../base/types.ts';

/** Thrown when a field value cannot be represented on the wire (an id with a line break or NUL). */
export class InvalidFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidFrameError';
  }
}

export interface FrameFields {
  /** The `id:` value; omitted when undefined or null. Must not contain CR, LF or NUL. */
  id?: string | null;
  /** The `retry:` value in milliseconds (a non-negative integer); omitted when undefined. */
  retry?: number;
  /** The `data:` value. Line breaks become separate `data:` lines, as the spec requires. */
  data: string;
}

const LINE_BREAK = /\r\n|\r|\n/;

/** The text of one SSE frame, ending with the blank line that dispatches it. */
export function frameText({ id, retry, data }: FrameFields): string {
  let out = '';
  if (retry !== undefined) {
    if (!Number.isInteger(retry) || retry < 0) throw new InvalidFrameError('retry must be a non-negative integer');
    out += `retry: ${retry}\n`;
  }
  if (id !== undefined && id !== null) {
    // A NUL makes EventSource ignore the id; a line break would end the field early and let the
    // rest be read as other fields (the koa-sse-stream flaw, docs/decisions.md §1).
    if (/[\r\n\0]/.test(id)) throw new InvalidFrameError('an SSE id must not contain CR, LF or NUL');
    out += `id: ${id}\n`;
  }
  if (LINE_BREAK.test(data)) {
    for (const line of data.split(LINE_BREAK)) out += `data: ${line}\n`;
  } else {
    out += `data: ${data}\n`;
  }
  return `${out}\n`;
}

/** The bytes of one frame (UTF-8), encoded once and shared by every stream it is written to. */
export function encodeFrame(fields: FrameFields): Buffer {
  return Buffer.from(frameText(fields), 'utf8');
}

/** The JSON payload of a Home Assistant event: `{type, data, timestamp}`. */
export function eventPayload(event: HubEvent): string {
  return JSON.stringify({ type: event.type, data: event.data, timestamp: event.timestamp });
}

/** The first payload of every stream. `id` is the connection's id (not the SSE id). */
export function connectionPayload(connectionId: string, timestamp: string): string {
  return JSON.stringify({ type: 'connection', status: 'connected', id: connectionId, authenticated: true, timestamp });
}

export function pingPayload(timestamp: string): string {
  return JSON.stringify({ type: 'ping', timestamp });
}

/** An `error` payload: `{type:"error", error:<code>, message, timestamp}`. */
export function errorPayload(code: string, message: string, timestamp: string): string {
  return JSON.stringify({ type: 'error', error: code, message, timestamp });
}

/** A system payload of another type (e.g. `alert`): `{type, data, timestamp}`. */
export function systemPayload(type: string, data: unknown, timestamp: string): string {
  return JSON.stringify({ type, data, timestamp });
}

/** A current state as a `state_changed` payload (for `initial_state=true`); `old_state` is null. */
export function initialStatePayload(state: HaState, timestamp: string): string {
  return JSON.stringify({
    type: 'state_changed',
    data: {
      entity_id: state.entity_id,
      state: state.state,
      attributes: state.attributes,
      last_changed: state.last_changed,
      last_updated: state.last_updated,
      old_state: null,
    },
    timestamp,
  });
}

const DATA_FIELD = Buffer.from('\ndata: ', 'latin1');
const COMMA = Buffer.from(',', 'latin1');

/**
 * The payload bytes of a one-line frame from {@link encodeFrame} (`…data: <payload>\n\n`), as a
 * view into the frame (no copy). Event payloads are JSON, which never holds a raw line break.
 */
export function payloadOf(frame: Buffer): Buffer {
  const at = frame.indexOf(DATA_FIELD);
  const start = at >= 0 ? at + DATA_FIELD.length : frame.indexOf('data: ') + 6;
  return frame.subarray(start, frame.length - 2);
}

/**
 * One frame for a batch of events (`batch=<ms>`, DOCS.md): `{"type":"batch","count":n,
 * "messages":[…],"timestamp":…}` where each message is the payload an unbatched stream would have
 * received, and the frame's `id:` is the last event's. Built from the events' shared payload
 * bytes without parsing them again.
 */
export function encodeBatchFrame(lastId: string, payloads: readonly Buffer[], timestamp: string): Buffer {
  if (/[\r\n\0]/.test(lastId)) throw new InvalidFrameError('an SSE id must not contain CR, LF or NUL');
  const parts: Buffer[] = [Buffer.from(`id: ${lastId}\ndata: {"type":"batch","count":${payloads.length},"messages":[`, 'utf8')];
  payloads.forEach((payload, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(payload);
  });
  parts.push(Buffer.from(`],"timestamp":"${timestamp}"}\n\n`, 'latin1'));
  return Buffer.concat(parts);
}
