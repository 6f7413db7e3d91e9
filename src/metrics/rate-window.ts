/**
 * A sliding one-minute window of per-second counts, for live rates ("events per second right
 * now") that do not jump at minute boundaries. Cheap enough to bump on every delivery.
 */
import type { Now } from './clock.ts';

export class RateWindow {
  readonly #counts: Float64Array;
  readonly #seconds: Float64Array;

  /**
   * @param now the clock.
   * @param startedAt when counting began; rates in the first minute divide by the elapsed time, not by 60 s.
   * @param windowSeconds window length. Default 60.
   */
  constructor(
    private readonly now: Now,
    private readonly startedAt: number,
    private readonly windowSeconds = 60,
  ) {
    this.#counts = new Float64Array(windowSeconds);
    this.#seconds = new Float64Array(windowSeconds).fill(-1);
  }

  add(n: number): void {
    const second = Math.floor(this.now() / 1000);
    const slot = second % this.windowSeconds;
    if (this.#seconds[slot] !== second) {
      this.#seconds[slot] = second;
      this.#counts[slot] = 0;
    }
    this.#counts[slot] = (this.#counts[slot] ?? 0) + n;
  }

  /** Total counted in the window ending now. */
  total(): number {
    const second = Math.floor(this.now() / 1000);
    let sum = 0;
    for (let i = 0; i < this.windowSeconds; i++) {
      const s = this.#seconds[i] ?? -1;
      if (s > second - this.windowSeconds && s <= second) sum += this.#counts[i] ?? 0;
    }
    return sum;
  }

  /** Per second over the window (or over the time since `startedAt` when that is shorter, at least 1 s). */
  perSecond(): number {
    const elapsed = Math.max(1, (this.now() - this.startedAt) / 1000);
    return this.total() / Math.min(this.windowSeconds, elapsed);
  }
}
