/** A fixed-resolution latency histogram (0.05 ms buckets up to 2 s), mergeable across client processes. */
const RESOLUTION_MS = 0.05;
const BUCKETS = 40_000;

export class LatencyHistogram {
  readonly counts = new Uint32Array(BUCKETS + 1);
  total = 0;
  max = 0;

  record(ms: number): void {
    const bucket = ms <= 0 ? 0 : Math.min(BUCKETS, Math.floor(ms / RESOLUTION_MS));
    this.counts[bucket]!++;
    this.total++;
    if (ms > this.max) this.max = ms;
  }

  /** Sparse form for IPC: [bucket, count] pairs. */
  toJSON(): { pairs: [number, number][]; total: number; max: number } {
    const pairs: [number, number][] = [];
    this.counts.forEach((count, bucket) => {
      if (count > 0) pairs.push([bucket, count]);
    });
    return { pairs, total: this.total, max: this.max };
  }

  merge(other: ReturnType<LatencyHistogram['toJSON']>): void {
    for (const [bucket, count] of other.pairs) this.counts[bucket]! += count;
    this.total += other.total;
    this.max = Math.max(this.max, other.max);
  }

  /** The upper edge of the bucket holding quantile `q` (0..1), in ms. */
  quantile(q: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let bucket = 0; bucket <= BUCKETS; bucket++) {
      seen += this.counts[bucket]!;
      if (seen >= rank) return bucket === BUCKETS ? this.max : (bucket + 1) * RESOLUTION_MS;
    }
    return this.max;
  }
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one host. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
