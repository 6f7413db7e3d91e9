/**
 * A mergeable latency histogram (docs/decisions.md §2): fixed bucket boundaries shared by every instance,
 * so per-minute histograms add up into per-hour and per-period ones and percentiles for any
 * period come from merged buckets, never from averaging per-minute percentiles.
 *
 * Boundaries, in the manner of HdrHistogram:
 * - `[0, 1024)` ms: one bucket per integer millisecond. Values are truncated to whole
 *   milliseconds, so integer latencies (all of `Date.now()` differences) are recorded and
 *   reported exactly.
 * - `[2^e, 2^(e+1))` ms for e = 10..30: 512 equal sub-buckets each, width `2^(e-9)` ms. A value
 *   there is reported as its bucket's lower bound: the error is below 1/512 (0.2 %) of the value.
 * - Negative values (clock skew between core and the add-on) count as 0; values of 2^31 ms
 *   (about 24.8 days) and more land in the last bucket.
 *
 * Buckets are stored sparsely (index → count), so a minute with a few distinct latencies costs
 * a few entries. {@link LatencyHistogram.encode} gives a compact binary form for SQLite.
 */
import { VarintReader, pushVarint } from './varint.ts';

const LINEAR_BUCKETS = 1024;
const SUB_BITS = 9;
const SUB_BUCKETS = 1 << SUB_BITS;
const FIRST_EXPONENT = 10;
const LAST_EXPONENT = 30;
/** The largest value (ms) recorded without clamping. */
export const MAX_TRACKABLE_MS = 2 ** (LAST_EXPONENT + 1) - 1;
/** Number of buckets. */
export const BUCKET_COUNT = LINEAR_BUCKETS + (LAST_EXPONENT - FIRST_EXPONENT + 1) * SUB_BUCKETS;

/** First byte of {@link LatencyHistogram.encode}'s output. */
export const HISTOGRAM_FORMAT_VERSION = 1;

/** Thrown by {@link LatencyHistogram.decode} for bytes that are not a histogram of this format. */
export class HistogramFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistogramFormatError';
  }
}

/** The bucket a value (ms) falls into. */
export function bucketIndex(valueMs: number): number {
  if (!(valueMs > 0)) return 0; // also NaN
  const v = valueMs >= MAX_TRACKABLE_MS ? MAX_TRACKABLE_MS : Math.floor(valueMs);
  if (v < LINEAR_BUCKETS) return v;
  const exponent = 31 - Math.clz32(v);
  const sub = (v >>> (exponent - SUB_BITS)) - SUB_BUCKETS;
  return LINEAR_BUCKETS + (exponent - FIRST_EXPONENT) * SUB_BUCKETS + sub;
}

/** The smallest value (ms) of a bucket; what quantiles report. */
export function bucketLowerBound(index: number): number {
  if (index < LINEAR_BUCKETS) return index;
  const offset = index - LINEAR_BUCKETS;
  const exponent = FIRST_EXPONENT + Math.floor(offset / SUB_BUCKETS);
  const sub = offset % SUB_BUCKETS;
  return 2 ** exponent + sub * 2 ** (exponent - SUB_BITS);
}

export class LatencyHistogram {
  readonly #counts = new Map<number, number>();
  #total = 0;
  #sum = 0;

  /** Number of recorded samples. */
  get count(): number {
    return this.#total;
  }

  /** Sum of the recorded values (ms, after clamping negatives to 0), for means and Prometheus `_sum`. */
  get sum(): number {
    return this.#sum;
  }

  /** Records `count` samples of `valueMs` (one delivery to `count` sockets is `count` samples). */
  record(valueMs: number, count = 1): void {
    if (!(count > 0)) return;
    const index = bucketIndex(valueMs);
    this.#counts.set(index, (this.#counts.get(index) ?? 0) + count);
    this.#total += count;
    this.#sum += (valueMs > 0 ? Math.min(valueMs, MAX_TRACKABLE_MS) : 0) * count;
  }

  /** Adds another histogram's samples to this one. */
  merge(other: LatencyHistogram): this {
    for (const [index, count] of other.#counts) this.#counts.set(index, (this.#counts.get(index) ?? 0) + count);
    this.#total += other.#total;
    this.#sum += other.#sum;
    return this;
  }

  /** Adds the samples of an {@link encode}d histogram without building an intermediate object. */
  mergeEncoded(bytes: Uint8Array): this {
    const { sum, buckets } = decodeHistogram(bytes);
    for (let i = 0; i < buckets.length; i += 2) {
      const index = buckets[i] ?? 0;
      const count = buckets[i + 1] ?? 0;
      this.#counts.set(index, (this.#counts.get(index) ?? 0) + count);
      this.#total += count;
    }
    this.#sum += sum;
    return this;
  }

  /**
   * The `q`-quantile (0 < q ≤ 1) by the nearest-rank method: the smallest recorded value such
   * that at least `ceil(q × count)` samples are at or below it. 0 for an empty histogram.
   */
  quantile(q: number): number {
    return this.quantiles([q])[0] ?? 0;
  }

  /** Several quantiles with one sort and one walk over the buckets; `qs` in any order. */
  quantiles(qs: readonly number[]): number[] {
    if (this.#total === 0) return qs.map(() => 0);
    const ranks = qs.map((q) => Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * this.#total)));
    const order = ranks.map((_, i) => i).sort((a, b) => (ranks[a] ?? 0) - (ranks[b] ?? 0));
    const out = new Array<number>(qs.length).fill(0);
    const indexes = [...this.#counts.keys()].sort((a, b) => a - b);
    let seen = 0;
    let next = 0;
    for (const index of indexes) {
      seen += this.#counts.get(index) ?? 0;
      while (next < order.length && seen >= (ranks[order[next] ?? 0] ?? 0)) out[order[next++] ?? 0] = bucketLowerBound(index);
      if (next === order.length) break;
    }
    return out;
  }

  /** p50, p95 and p99 (nearest rank). */
  percentiles(): { p50: number; p95: number; p99: number } {
    const [p50 = 0, p95 = 0, p99 = 0] = this.quantiles([0.5, 0.95, 0.99]);
    return { p50, p95, p99 };
  }

  /** Samples whose (truncated) value is at most `valueMs`: Prometheus' cumulative `le` buckets. */
  countAtOrBelow(valueMs: number): number {
    let n = 0;
    for (const [index, count] of this.#counts) if (bucketLowerBound(index) <= valueMs) n += count;
    return n;
  }

  /** A copy, for handing out without sharing the counts. */
  clone(): LatencyHistogram {
    return new LatencyHistogram().merge(this);
  }

  /**
   * Compact binary form: a version byte, the sum as float64 LE, then for each non-empty bucket in
   * ascending order a varint index delta and a varint count.
   */
  encode(): Buffer {
    const indexes = [...this.#counts.keys()].sort((a, b) => a - b);
    const bytes: number[] = [];
    let previous = 0;
    for (const index of indexes) {
      pushVarint(bytes, index - previous);
      pushVarint(bytes, this.#counts.get(index) ?? 0);
      previous = index;
    }
    const out = Buffer.allocUnsafe(9 + bytes.length);
    out[0] = HISTOGRAM_FORMAT_VERSION;
    out.writeDoubleLE(this.#sum, 1);
    for (let i = 0; i < bytes.length; i++) out[9 + i] = bytes[i] ?? 0;
    return out;
  }

  /** A histogram from dense per-bucket counts (index = bucket) and the sum of the values. */
  static fromCounts(counts: ArrayLike<number>, sum: number): LatencyHistogram {
    const h = new LatencyHistogram();
    const n = Math.min(counts.length, BUCKET_COUNT);
    for (let i = 0; i < n; i++) {
      const count = counts[i] ?? 0;
      if (count > 0) {
        h.#counts.set(i, count);
        h.#total += count;
      }
    }
    h.#sum = sum;
    return h;
  }

  static decode(bytes: Uint8Array): LatencyHistogram {
    return new LatencyHistogram().mergeEncoded(bytes);
  }
}

/** p50/p95/p99 of an encoded histogram, straight from its (already ordered) buckets. */
export function encodedPercentiles(bytes: Uint8Array): { p50: number; p95: number; p99: number } {
  const { buckets } = decodeHistogram(bytes);
  let total = 0;
  for (let i = 1; i < buckets.length; i += 2) total += buckets[i] ?? 0;
  const out = [0, 0, 0];
  if (total > 0) {
    const ranks = [0.5, 0.95, 0.99].map((q) => Math.max(1, Math.ceil(q * total)));
    let seen = 0;
    let next = 0;
    for (let i = 0; i < buckets.length && next < 3; i += 2) {
      seen += buckets[i + 1] ?? 0;
      while (next < 3 && seen >= (ranks[next] ?? 0)) out[next++] = bucketLowerBound(buckets[i] ?? 0);
    }
  }
  return { p50: out[0] ?? 0, p95: out[1] ?? 0, p99: out[2] ?? 0 };
}

/**
 * Decodes an {@link LatencyHistogram.encode}d histogram into its sum and flat `[index, count, …]`
 * pairs, validating everything before anyone merges it, so a bad blob changes nothing.
 * Throws {@link HistogramFormatError}.
 */
export function decodeHistogram(bytes: Uint8Array): { sum: number; buckets: number[] } {
  if (bytes.length < 9 || bytes[0] !== HISTOGRAM_FORMAT_VERSION) {
    throw new HistogramFormatError('not an encoded latency histogram (bad header)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sum = view.getFloat64(1, true);
  const buckets: number[] = [];
  const reader = new VarintReader(bytes, 9);
  let index = 0;
  while (!reader.done) {
    index += reader.next();
    const count = reader.next();
    if (reader.fault) throw new HistogramFormatError(`${reader.fault} varint in latency histogram`);
    if (index >= BUCKET_COUNT) throw new HistogramFormatError('bucket index out of range in latency histogram');
    buckets.push(index, count);
  }
  return { sum, buckets };
}
