/**
 * How a stream starts (DOCS.md, docs/ARCHITECTURE.md §5.6): `connection` (with `retry:`), `upstream_unavailable`
 * when core is down, then either the replay of what the client missed or, on a fresh start or a
 * gap, the current states when asked for. The functions write frames and report whether the
 * slow-consumer limit held; closing is the hub's decision.
 *
 * Ids: the connection frame carries the client's own Last-Event-ID when it resumes (so a drop
 * during the replay makes the browser ask again from the same place), otherwise the transport's
 * head. Frames before a state snapshot carry no id and only the snapshot's last frame carries the
 * head: a drop in the middle of the snapshot makes the next reconnect ask for it again.
 */
import type { HaState, HubEvent, StampedEvent, StateSource } from '../base/types.ts';
import type { Transport } from '../transport/transport.ts';
import { isoTime } from '../base/iso-time.ts';
import { type EventFilter, domainOf, matches } from './filter.ts';
import { writeBatches } from './batch.ts';
import { connectionPayload, encodeFrame, errorPayload, initialStatePayload } from './frame.ts';
import type { HeldEvent, Subscriber } from './subscriber.ts';

export const UPSTREAM_MESSAGE = 'Home Assistant is not reachable; events resume when it is back';

/** What opening a stream needs from the hub. */
export interface OpeningContext {
  transport: Transport;
  states: StateSource;
  retryMs: number;
  upstreamDown(): boolean;
  now(): number;
  /** The shared encoding of a stamped event. */
  frameOf(stamped: StampedEvent): Buffer;
  /** Transport ids at which recording of the subscriber's event types began (see the hub). */
  recordingStarts(sub: Subscriber): ReadonlySet<string>;
  /** Replayed or held events as the subscriber's shaping sends them (`stream-shaper.ts`). */
  shaped(sub: Subscriber, events: readonly HeldEvent[]): HeldEvent[];
  /** Reports a queued live event written after the handover. */
  delivered(event: HubEvent, bytes: number, now: number): void;
  onError(err: unknown, context: string): void;
}

/** The current states passing `filter`. */
export function matchingStates(states: readonly HaState[], filter: EventFilter): HaState[] {
  return states.filter((state) => {
    const id = state.entity_id;
    return matches(filter, { type: 'state_changed', entityIds: [id], domains: [domainOf(id)] });
  });
}

/** The current states passing `filter`, as `state_changed` payloads. */
export function initialStates(states: readonly HaState[], filter: EventFilter, timestamp: string): string[] {
  return matchingStates(states, filter).map((state) => initialStatePayload(state, timestamp));
}

/**
 * What a stream starts from, as payloads: a `format=entities` stream's `a` snapshot of its whole
 * selection (always one frame, even when empty), or the initial states when asked for (projected
 * by `fields`), or nothing.
 */
function startingPayloads(ctx: OpeningContext, sub: Subscriber, initialState: boolean, now: number): string[] {
  const shaper = sub.shaper;
  if (shaper?.shape.format === 'entities') return [shaper.snapshotPayload(matchingStates(ctx.states.getStates(), sub.filter))];
  if (!initialState) return [];
  if (!shaper) return initialStates(ctx.states.getStates(), sub.filter, isoTime(now));
  const timestamp = isoTime(now);
  return matchingStates(ctx.states.getStates(), sub.filter).map((state) => shaper.initialPayload(state, timestamp));
}

export function writeError(sub: Subscriber, code: string, message: string, now: number): boolean {
  return sub.write(encodeFrame({ id: sub.lastId, data: errorPayload(code, message, isoTime(now)) }), now);
}

/** Writes the state snapshot; stops at the first frame the limit refuses. */
function writeStates(sub: Subscriber, states: readonly string[], head: string, now: number): boolean {
  for (let i = 0; i < states.length; i++) {
    if (!sub.write(encodeFrame({ id: i === states.length - 1 ? head : null, data: states[i]! }), now)) return false;
  }
  return true;
}

/** Writes events in order: one frame each, or `batch` frames for a batching stream; stops at the first the limit refuses. */
function writeEvents(sub: Subscriber, events: readonly HeldEvent[], now: number): boolean {
  if (sub.batchMs > 0) return writeBatches(sub, events, now);
  for (const { stamped, frame } of events) if (!sub.writeEvent(stamped, frame, now)) return false;
  return true;
}

/**
 * Writes the first frames of a just-registered subscriber. Without `resume` the stream is live on
 * return; with it, `ready` settles after the handover. Both report whether the limit held; once
 * it did not, nothing more is written (the hub closes the stream with its notice).
 */
export function openStream(
  ctx: OpeningContext,
  sub: Subscriber,
  resume: string | undefined,
  initialState: boolean,
): { ok: boolean; ready: Promise<boolean> | undefined } {
  const now = ctx.now();
  // Everything published after this point reaches the subscriber live (or its handover queue).
  const head = ctx.transport.head();
  const states = resume === undefined ? startingPayloads(ctx, sub, initialState, now) : [];
  sub.moveTo(resume ?? (states.length > 0 ? null : head));
  let ok = sub.write(encodeFrame({ retry: ctx.retryMs, id: sub.lastId, data: connectionPayload(sub.id, isoTime(now)) }), now);
  if (ok && ctx.upstreamDown()) ok = writeError(sub, 'upstream_unavailable', UPSTREAM_MESSAGE, now);
  if (!ok) return { ok, ready: undefined };
  if (resume !== undefined) return { ok, ready: handover(ctx, sub, resume, head, initialState, ctx.recordingStarts(sub)) };
  ok = writeStates(sub, states, head, now);
  if (ok) sub.moveTo(head); // a snapshot cut short leaves the client where it was
  sub.goLive();
  return { ok, ready: undefined };
}

/** Live events queue while history is read; then history, then the queue minus what history held. */
async function handover(
  ctx: OpeningContext,
  sub: Subscriber,
  since: string,
  head: string,
  initialState: boolean,
  recordingStarts: ReadonlySet<string>,
): Promise<boolean> {
  let replayed: readonly StampedEvent[] | undefined;
  try {
    const result = await ctx.transport.replay(since);
    // History that reaches back past the moment one of the client's types began to be recorded
    // would be silently partial: answer it as a gap instead.
    if (result.kind === 'events' && !result.events.some((stamped) => recordingStarts.has(stamped.id))) replayed = result.events;
  } catch (err) {
    ctx.onError(err, 'replay failed');
  }
  if (sub.state !== 'handover') return true;
  const now = ctx.now();
  sub.cork(); // history and queue leave in as few writes as the batch size allows
  let ok = true;
  let skip: Set<string> | undefined;
  // A `format=entities` stream never sees a gap: it starts again from a fresh `a` snapshot. So does
  // a throttled one on every resume: its diffs are only exact from what the same stream delivered.
  const entities = sub.shaper?.shape.format === 'entities';
  if (entities && sub.shaper!.shape.throttleMs > 0) replayed = undefined;
  if (replayed === undefined) {
    const states = startingPayloads(ctx, sub, initialState, now);
    sub.moveTo(states.length > 0 ? null : head);
    if (!entities) ok = writeError(sub, 'replay_gap', `Events after ${since} are no longer available; continuing live`, now);
    ok = ok && writeStates(sub, states, head, now);
    if (ok) sub.moveTo(head);
  } else {
    // Exact dedup by id: a queued event is dropped when history already held it, whether or
    // not history's last event passed the filter.
    skip = new Set();
    const missed: HeldEvent[] = [];
    for (const stamped of replayed) {
      skip.add(stamped.id);
      if (matches(sub.filter, stamped.event)) missed.push({ stamped, frame: ctx.frameOf(stamped) });
    }
    ok = writeEvents(sub, ctx.shaped(sub, missed), now);
    const last = replayed.at(-1);
    // A throttled stream holding an update back stays at the position from before it (`stream-shaper.ts`).
    if (last && ok && !sub.shaper?.holding) sub.moveTo(last.id);
  }
  // Queued events count as deliveries; replayed history does not (its latency would be the outage's).
  const held = ctx.shaped(
    sub,
    sub.takeHeld().filter(({ stamped }) => !skip?.has(stamped.id)),
  );
  if (ok && held.length > 0) {
    ok = writeEvents(sub, held, now);
    if (ok) for (const { stamped, frame } of held) ctx.delivered(stamped.event, frame.length, now);
  }
  sub.goLive();
  sub.flush(now);
  return ok;
}
