/**
 * Where this instance's core events go, by role (docs/redis.md, "Leader handover"):
 *
 * - `live` (the leader): appended to the shared stream at once. An append that fails (Redis
 *   away, or the fence) is held, and so is everything after it, until {@link CoreFeed.flush}
 *   (the lock renewed) appends them in order: Redis can restart without losing events.
 * - `standby` (the next in line): held in the {@link HandoverBuffer}, crossed off as the stream
 *   shows them appended; resync events of its own (re)connects are dropped, the leader's count.
 * - `takeover` (the leader lock was just won): held, resync events apart, until
 *   {@link CoreFeed.goLive} returns what to append first: the resync events (minus changes a
 *   held live event carries too), then the held events core sent that nobody appended, in order.
 * - A leader that lost the lock keeps what it holds, as a standby would ({@link CoreFeed.demote}),
 *   until it is known to be neither leader nor standby.
 * - `idle`: nothing should arrive (no core connection); whatever does is dropped.
 */
import type { HubEvent } from '../base/types.ts';
import { HandoverBuffer, type HandoverBufferOptions } from './handover-buffer.ts';

export type FeedMode = 'idle' | 'standby' | 'takeover' | 'live';

export interface CoreFeedOptions extends HandoverBufferOptions {
  /** Appends one event to the shared stream (fenced), in call order. */
  append: (event: HubEvent) => void;
}

/** A state change's identity: entity, new state and `last_updated` (a resync and a live event agree on it). */
function stateChange(event: HubEvent): string | undefined {
  if (event.type !== 'state_changed') return undefined;
  const data = event.data as { entity_id?: unknown; state?: unknown; last_updated?: unknown };
  return `${String(data.entity_id)}|${String(data.state)}|${String(data.last_updated)}`;
}

export class CoreFeed {
  readonly #append: (event: HubEvent) => void;
  readonly #buffer: HandoverBuffer;
  readonly #resyncs: HubEvent[] = [];
  #mode: FeedMode = 'idle';

  constructor(options: CoreFeedOptions) {
    this.#append = options.append;
    this.#buffer = new HandoverBuffer(options);
  }

  get mode(): FeedMode {
    return this.#mode;
  }

  /** Events held for a handover now. */
  get held(): number {
    return this.#buffer.size;
  }

  /** The bridge's publish. */
  publish(event: HubEvent): void {
    switch (this.#mode) {
      case 'live':
        if (this.#buffer.size > 0) this.#buffer.received(event);
        else this.#append(event);
        return;
      case 'takeover':
        if (event.resync) this.#resyncs.push(event);
        else this.#buffer.received(event);
        return;
      case 'standby':
        if (!event.resync) this.#buffer.received(event);
        return;
      case 'idle':
        return;
    }
  }

  /** An append of `event` failed: it is held (in order) for the next {@link flush} or handover. */
  appendFailed(event: HubEvent): void {
    if (this.#mode !== 'idle') this.#buffer.held(event);
  }

  /** The leader's lock was confirmed: appends what it holds, in order. */
  flush(): number {
    if (this.#mode !== 'live' || this.#buffer.size === 0) return 0;
    const held = this.#buffer.take();
    for (const event of held) this.#append(event);
    return held.length;
  }

  /** Events dropped unappended because they outgrew the buffer's bounds (a gap). */
  get dropped(): number {
    return this.#buffer.dropped;
  }

  /** The leader lock was lost: keep what is held, as a standby, until the role is settled. */
  demote(): void {
    if (this.#mode !== 'idle') this.#mode = 'standby';
  }

  /** An event read back from the shared stream. */
  appended(event: HubEvent): void {
    this.#buffer.appended(event);
  }

  standby(): void {
    if (this.#mode === 'idle') this.#mode = 'standby';
  }

  /** The leader lock was won: hold everything until {@link goLive}. */
  takeOver(): void {
    this.#mode = 'takeover';
  }

  /**
   * Appends, in one go, the resync events then what core sent that no leader appended, and
   * appends live from then on. Call once the stream was read to its end. Returns how many were appended.
   */
  goLive(): { resynced: number; recovered: number } {
    const held = this.#buffer.take();
    const carried = new Set(held.map(stateChange).filter((key) => key !== undefined));
    const resyncs = this.#resyncs.splice(0).filter((event) => !carried.has(stateChange(event)!));
    for (const event of resyncs) this.#append(event);
    for (const event of held) this.#append(event);
    this.#mode = 'live';
    return { resynced: resyncs.length, recovered: held.length };
  }

  /** No core connection any more: forget what was held. */
  idle(): void {
    this.#mode = 'idle';
    this.#buffer.clear();
    this.#resyncs.length = 0;
  }
}
