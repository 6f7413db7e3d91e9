/**
 * System frames for many streams at once (`ping`, `upstream_unavailable`, admin notices): one
 * payload, encoded once per distinct last id (a frame carries the id its stream is at, so a
 * reconnect resumes from there). Not the event fan-out (`fan-out.ts`).
 */
import type { BatchWindows } from './batch.ts';
import { encodeFrame } from './frame.ts';
import type { Subscriber } from './subscriber.ts';

/**
 * Writes `payload` to every open stream of `subs` that `pick` selects. Returns the streams the
 * slow-consumer limit refused, for the caller to close (closing is the hub's decision).
 */
export function broadcast(
  subs: Iterable<Subscriber>,
  pick: (sub: Subscriber) => boolean,
  payload: string,
  now: number,
  batches: BatchWindows,
): Subscriber[] {
  const frames = new Map<string | null, Buffer>();
  const overflowed: Subscriber[] = [];
  for (const sub of subs) {
    if (!sub.open || !pick(sub)) continue;
    // Queued events leave first, so the frame below carries the id the client will then have.
    if (sub.hasQueued && !batches.flush(sub, now)) {
      overflowed.push(sub);
      continue;
    }
    let frame = frames.get(sub.lastId);
    if (!frame) frames.set(sub.lastId, (frame = encodeFrame({ id: sub.lastId, data: payload })));
    if (!sub.write(frame, now)) overflowed.push(sub);
  }
  return overflowed;
}
