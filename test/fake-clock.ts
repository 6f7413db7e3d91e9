/** A fake clock that also drives timers: tests move time instead of waiting for it (docs/ARCHITECTURE.md §5.13). */
import type { TimerHandle, Timers } from '../src/base/timers.ts';

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
  every?: number;
}

/** A clock whose time only moves when told to; timers fire in order as it moves. */
export class FakeClock implements Timers {
  #time: number;
  #nextId = 1;
  #timers: FakeTimer[] = [];

  constructor(start: number) {
    this.#time = start;
  }

  readonly now = (): number => this.#time;

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.#nextId++, at: this.#time + Math.max(0, ms), fn };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.#nextId++, at: this.#time + ms, fn, every: ms };
    this.#timers.push(timer);
    return timer.id;
  }

  clearInterval(handle: TimerHandle): void {
    this.clearTimeout(handle);
  }

  /** Pending timers. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that comes due, in time order. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('a fake clock only moves forward');
    const end = this.#time + ms;
    for (;;) {
      const next = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.#time = next.at;
      if (next.every) next.at += next.every;
      else this.#timers = this.#timers.filter((t) => t !== next);
      next.fn();
    }
    this.#time = end;
  }

  /** Sets the time without firing timers (a jump, like a suspended machine). */
  set(t: number): void {
    this.#time = t;
  }
}
