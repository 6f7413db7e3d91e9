/**
 * The event types the hub's streams need, held upstream once per type for all streams together.
 * After a type's last stream closes it stays recorded for a linger period, so a lone client that
 * drops off the network (one wall tablet, one Wi-Fi blip) resumes exactly; then it is let go.
 *
 * Each type remembers the transport head at which its recording began. A resume whose history
 * reaches back past that id cannot be exact for that type (its events were never recorded), and
 * the opening answers it with `replay_gap` instead of a silently partial replay.
 */
import type { EventInterest } from '../base/types.ts';
import type { TimerHandle, Timers } from '../base/timers.ts';

export interface InterestLedgerOptions {
  /** Who subscribes upstream (the bridge, or the Redis topology); `recordsEverything` skips the recording starts. */
  interest: EventInterest;
  /** The transport's current head id. */
  head: () => string;
  timers: Timers;
  /** How long a type stays held after its last stream closed; 0 lets go at once. */
  lingerMs: number;
}

/** One type's hold: how many streams need it, since which head it is recorded, its linger timer. */
interface Held {
  streams: number;
  release: () => void;
  since: string;
  linger: TimerHandle | undefined;
}

export class InterestLedger {
  readonly #options: InterestLedgerOptions;
  readonly #held = new Map<string, Held>();
  #stopped = false;

  constructor(options: InterestLedgerOptions) {
    this.#options = options;
  }

  retain(type: string): void {
    const held = this.#held.get(type);
    if (!held) {
      this.#held.set(type, { streams: 1, release: this.#options.interest.retain(type), since: this.#options.head(), linger: undefined });
      return;
    }
    held.streams++;
    this.#cancelLinger(held);
  }

  /** One stream less; the last one starts the linger (or lets go at once). */
  release(type: string): void {
    const held = this.#held.get(type);
    if (!held || --held.streams > 0) return;
    const { lingerMs, timers } = this.#options;
    if (lingerMs > 0 && !this.#stopped) held.linger = timers.setTimeout(() => this.#forget(type, held), lingerMs);
    else this.#forget(type, held);
  }

  /** Transport ids at which recording of `types` began; a replay holding one of them is partial. */
  recordingStarts(types: Iterable<string>): ReadonlySet<string> {
    const starts = new Set<string>();
    if (this.#options.interest.recordsEverything === true) return starts;
    for (const type of types) {
      const since = this.#held.get(type)?.since;
      if (since !== undefined) starts.add(since);
    }
    return starts;
  }

  /** Types held upstream now, with their stream counts (0 while lingering). */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#held].map(([type, held]) => [type, held.streams]));
  }

  /** Lets go of every lingering type at once; holds of open streams go with their streams. */
  stop(): void {
    this.#stopped = true;
    for (const [type, held] of this.#held) if (held.streams === 0) this.#forget(type, held);
  }

  #forget(type: string, held: Held): void {
    this.#cancelLinger(held);
    if (this.#held.get(type) !== held || held.streams > 0) return;
    this.#held.delete(type);
    held.release();
  }

  #cancelLinger(held: Held): void {
    if (held.linger !== undefined) this.#options.timers.clearTimeout(held.linger);
    held.linger = undefined;
  }
}
