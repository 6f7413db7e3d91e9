/**
 * Where this instance's core events go, by role (docs/redis.md, "Leader handover"):
 *
 * - `live` (the leader): appended to the shared stream at once, pipelined. An append that fails
 *   (Redis away, or the fence) is held, and so is everything after it, until {@link CoreFeed.flush}
 *   (the lock renewed) appends them in order: Redis can restart without losing events.
 *   Outcomes may arrive out of order (an append in flight when Redis went away is retried by
 *   ioredis and fails only after later ones were refused at once, or after the lock was won again
 *   on another connection), so every event keeps its place in core's order while held, and held
 *   events are appended only once no append is in flight: a late failure cannot land behind them.
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
  /** Appends one event to the shared stream (fenced), in call order; rejects when it was not appended. */
  append: (event: HubEvent) => Promise<unknown>;
}

/** A state change's identity: entity, new state and `last_updated` (a resync and a live event agree on it). */
function stateChange(event: HubEvent): string | undefined {
  if (event.type !== 'state_changed') return undefined;
  const data = event.data as { entity_id?: unknown; state?: unknown; last_updated?: unknown };
  return `${String(data.entity_id)}|${String(data.state)}|${String(data.last_updated)}`;
}

export class CoreFeed {
  readonly #append: (event: HubEvent) => Promise<unknown>;
  readonly #buffer: HandoverBuffer;
  readonly #resyncs: HubEvent[] = [];
  #mode: FeedMode = 'idle';
  /** Core's order: every published event's place, so a late failure is held where it belongs. */
  readonly #order = new WeakMap<HubEvent, number>();
  #seq = 0;
  /** Appends issued whose outcome is not known yet. */
  #inFlight = 0;
  /** A flush (or going live) waits for the appends in flight; everything published meanwhile is held. */
  #flushWanted = false;

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

  /** Appends whose outcome is not known yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** The bridge's publish. */
  publish(event: HubEvent): void {
    const seq = ++this.#seq;
    this.#order.set(event, seq);
    switch (this.#mode) {
      case 'live':
        if (this.#buffer.size > 0 || this.#flushWanted) this.#buffer.received(event, seq);
        else this.#send(event);
        return;
      case 'takeover':
        if (event.resync) this.#resyncs.push(event);
        else this.#buffer.received(event, seq);
        return;
      case 'standby':
        if (!event.resync) this.#buffer.received(event, seq);
        return;
      case 'idle':
        return;
    }
  }

  /**
   * The leader's lock was confirmed: appends what it holds, in order, now or (while appends are
   * in flight) as soon as the last of them is settled. Returns how many were appended now.
   */
  flush(): number {
    if (this.#mode !== 'live' || (this.#buffer.size === 0 && this.#resyncs.length === 0)) return 0;
    this.#flushWanted = true;
    return this.#inFlight === 0 ? this.#drain().appended : 0;
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
    this.#flushWanted = false;
  }

  /**
   * Appends, in one go, the resync events then what core sent that no leader appended, and
   * appends live from then on. Call once the stream was read to its end. Returns how many were
   * appended; none yet while appends of an earlier term are in flight (a late failure of one of
   * them goes in its place first): they are appended, and live appends start, once those settle.
   */
  goLive(): { resynced: number; recovered: number } {
    this.#mode = 'live';
    this.#flushWanted = true;
    if (this.#inFlight > 0) return { resynced: 0, recovered: 0 };
    const { resynced, appended } = this.#drain();
    return { resynced, recovered: appended - resynced };
  }

  /** No core connection any more: forget what was held. */
  idle(): void {
    this.#mode = 'idle';
    this.#flushWanted = false;
    this.#buffer.clear();
    this.#resyncs.length = 0;
  }

  /** Appends the resync events (minus changes a held event carries), then the held events, in core's order. */
  #drain(): { resynced: number; appended: number } {
    this.#flushWanted = false;
    const held = this.#buffer.take();
    const carried = new Set(held.map(stateChange).filter((key) => key !== undefined));
    const resyncs = this.#resyncs.splice(0).filter((event) => !carried.has(stateChange(event)!));
    for (const event of resyncs) this.#send(event);
    for (const event of held) this.#send(event);
    return { resynced: resyncs.length, appended: resyncs.length + held.length };
  }

  /** One append; a failure is held in its place in core's order for the next flush or handover. */
  #send(event: HubEvent): void {
    this.#inFlight++;
    this.#append(event).then(
      () => this.#settled(),
      () => {
        if (this.#mode !== 'idle') this.#buffer.received(event, this.#order.get(event) ?? ++this.#seq);
        this.#settled();
      },
    );
  }

  #settled(): void {
    this.#inFlight--;
    if (this.#inFlight === 0 && this.#flushWanted && this.#mode === 'live') this.#drain();
  }
}
