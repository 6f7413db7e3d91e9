/**
 * The one fake clock of the tests: it also drives timers, so tests move time instead of waiting for
 * it (docs/ARCHITECTURE.md §5.13). It serves the server's `Timers` (src/base/timers.ts) and the
 * client library's (src/web/client/types.ts), and records the delays asked for.
 */
import type { TimerHandle, Timers } from '../src/base/timers.ts';

interface FakeTimer {
  id: number;
  at: number;
  /** The delay asked for. */
  ms: number;
  fn: () => void;
  every?: number;
}

/** A clock whose time only moves when told to; timers fire in order as it moves. */
export class FakeClock implements Timers {
  #time: number;
  #nextId = 1;
  #timers: FakeTimer[] = [];
  /** Every delay asked for (timeouts and intervals), in order. */
  readonly requested: number[] = [];

  constructor(start: number) {
    this.#time = start;
  }

  readonly now = (): number => this.#time;

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#add({ id: this.#nextId++, at: this.#time + Math.max(0, ms), ms, fn });
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#add({ id: this.#nextId++, at: this.#time + ms, ms, fn, every: ms });
  }

  #add(timer: FakeTimer): TimerHandle {
    this.#timers.push(timer);
    this.requested.push(timer.ms);
    return timer.id;
  }

  clearInterval(handle: TimerHandle): void {
    this.clearTimeout(handle);
  }

  /** Pending timers. */
  get pending(): number {
    return this.#timers.length;
  }

  /** The delays of the pending timers, in the order they were set. */
  pendingDelays(): number[] {
    return this.#timers.map((t) => t.ms);
  }

  /**
   * Fires every timer pending now, in time order, as if its time had come (the clock moves to
   * each); timers they set stay pending for the next call.
   */
  fireAll(): void {
    const due = [...this.#timers].sort((a, b) => a.at - b.at || a.id - b.id);
    for (const timer of due) {
      if (!this.#timers.includes(timer)) continue; // cleared by an earlier one
      this.#fire(timer);
    }
  }

  /** Moves time forward by `ms`, firing every timer that comes due, in time order. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('a fake clock only moves forward');
    const end = this.#time + ms;
    for (;;) {
      const next = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.#fire(next);
    }
    this.#time = end;
  }

  #fire(timer: FakeTimer): void {
    this.#time = Math.max(this.#time, timer.at);
    if (timer.every) timer.at += timer.every;
    else this.#timers = this.#timers.filter((t) => t !== timer);
    timer.fn();
  }

  /** Sets the time without firing timers (a jump, like a suspended machine). */
  set(t: number): void {
    this.#time = t;
  }
}
