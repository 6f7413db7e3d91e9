/**
 * The shaped payloads and frames of events (`fields`, `format=entities`; DOCS.md "Shaping"),
 * computed once per (event, shape) and shared by every stream of that shape, as the hub shares
 * the plain frame (`fan-out.ts`). A diff between an entity's consecutive states is the same for every
 * stream that receives the entity, so it is computed once per event; only throttled streams
 * (`stream-shaper.ts`) compute their own, from the state they last delivered.
 *
 * Entries live as long as the stamped event (a WeakMap): the replay ring keeps recent events, so
 * a resume reuses the encodings of live delivery.
 */
import type { HubEvent, StampedEvent } from '../base/types.ts';
import { type FieldSelection, projectState, projectStateChange } from './fields.ts';
import { type StateLike, transitionPayload } from './entities-format.ts';
import { encodeFrame } from './frame.ts';

/** How a stream wants its events (DOCS.md "Shaping"). */
export interface StreamShape {
  /** Keys of state objects to keep; undefined keeps every key. */
  readonly fields?: FieldSelection;
  /** `events`: the `{type, data, timestamp}` payloads; `entities`: `subscribe_entities`' compressed format. */
  readonly format: 'events' | 'entities';
  /** At most one update per entity per this many milliseconds (the last value of a burst is always sent); 0: no limit. */
  readonly throttleMs: number;
}

/** The cache key of a shape's per-event payloads (throttling does not change them). */
export function shapeKey(shape: StreamShape): string {
  return `${shape.format}:${shape.fields?.key ?? '*'}`;
}

/** A state object of `state_changed` data, projected by `fields` when given. */
export function projected(state: StateLike, fields: FieldSelection | undefined): StateLike {
  return fields ? projectState(state as Record<string, unknown>, fields) : state;
}

/** The old state of a `state_changed` event, or undefined when the entity is new. */
export function oldStateOf(event: HubEvent): StateLike | undefined {
  const old = (event.data as Record<string, unknown> | null)?.old_state;
  return old !== null && typeof old === 'object' ? (old as StateLike) : undefined;
}

/** The entity of a `state_changed` event, or undefined for any other event. */
export function stateEntityOf(event: HubEvent): string | undefined {
  return event.type === 'state_changed' ? event.entityIds[0] : undefined;
}

/** The payload of one event for a shape, or null when the shape sends nothing for it. */
export function shapedPayload(event: HubEvent, shape: StreamShape): string | null {
  const entityId = stateEntityOf(event);
  if (shape.format === 'entities') {
    if (entityId === undefined) return null; // the compressed format carries states only
    const data = event.data as StateLike;
    const before = oldStateOf(event);
    return (
      transitionPayload(entityId, before && projected(before, shape.fields), projected(data, shape.fields)) ?? null
    );
  }
  const data = entityId !== undefined && shape.fields ? projectStateChange(event.data as Record<string, unknown>, shape.fields) : event.data;
  return JSON.stringify({ type: event.type, data, timestamp: event.timestamp });
}

export class ShapedEncodings {
  readonly #payloads = new WeakMap<StampedEvent, Map<string, string | null>>();
  readonly #frames = new WeakMap<StampedEvent, Map<string, Buffer | null>>();

  /** `plainFrame`: the hub's own frame of an event, which an unshaped payload reuses. */
  constructor(readonly plainFrame: (stamped: StampedEvent) => Buffer) {}

  /** The event's payload for `shape` (see {@link shapedPayload}), computed once per shape. */
  payload(stamped: StampedEvent, shape: StreamShape): string | null {
    const key = shapeKey(shape);
    let byShape = this.#payloads.get(stamped);
    if (!byShape) this.#payloads.set(stamped, (byShape = new Map()));
    let payload = byShape.get(key);
    if (payload === undefined) byShape.set(key, (payload = shapedPayload(stamped.event, shape)));
    return payload;
  }

  /** The frame of the event for `shape` carrying the event's own id, encoded once per shape; null when nothing is sent. */
  frame(stamped: StampedEvent, shape: StreamShape): Buffer | null {
    if (shape.format === 'events' && !shape.fields) return this.plainFrame(stamped);
    const key = shapeKey(shape);
    let byShape = this.#frames.get(stamped);
    if (!byShape) this.#frames.set(stamped, (byShape = new Map()));
    let frame = byShape.get(key);
    if (frame === undefined) {
      const payload = this.payload(stamped, shape);
      byShape.set(key, (frame = payload === null ? null : encodeFrame({ id: stamped.id, data: payload })));
    }
    return frame;
  }
}
