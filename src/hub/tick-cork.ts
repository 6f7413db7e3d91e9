/**
 * Write merging per tick (not the public `batch` frame, which is `batch.ts`). The first fan-out of a tick writes straight to the sinks, so a lone
 * event pays no delay; from the second fan-out in the same tick on (a burst, core's coalesced
 * frames, a chain of awaited publishes), subscribers are corked and each sink gets one write
 * when the tick ends. On loopback, one write per socket per event is most of the cost.
 * Not timer based: the cork ends on `process.nextTick`, before any I/O or timer.
 */
import type { Subscriber } from './subscriber.ts';

export class TickCork {
  #fanouts = 0;
  #corked: Subscriber[] = [];

  constructor(readonly now: () => number) {}

  /** Call at the start of every fan-out; true when its writes should be corked. */
  begin(): boolean {
    if (this.#fanouts++ === 0) process.nextTick(this.#end);
    return this.#fanouts > 1;
  }

  /** Corks `sub` until the tick ends (once per tick; an early flush keeps it corked, `Subscriber.write`). */
  add(sub: Subscriber): void {
    if (sub.corked) return;
    sub.cork();
    if (sub.corked) this.#corked.push(sub);
  }

  readonly #end = (): void => {
    this.#fanouts = 0;
    if (this.#corked.length === 0) return;
    const corked = this.#corked;
    this.#corked = [];
    const now = this.now();
    for (const sub of corked) sub.flush(now);
  };
}
