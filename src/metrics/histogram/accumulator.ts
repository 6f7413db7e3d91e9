/**
 * Merges many encoded histograms fast: a dense array over every bucket, so adding a blob is plain
 * array arithmetic instead of map lookups. Used for period summaries (up to 1440 minutes or 720
 * hours per query); {@link toHistogram} gives the sparse form for percentiles.
 */
import { VarintReader } from './varint.ts';
import { BUCKET_COUNT, HISTOGRAM_FORMAT_VERSION, HistogramFormatError, LatencyHistogram, decodeHistogram } from './histogram.ts';

export class HistogramAccumulator {
  readonly #counts = new Float64Array(BUCKET_COUNT);
  #sum = 0;
  #total = 0;

  get count(): number {
    return this.#total;
  }

  /** Adds an encoded histogram. Throws HistogramFormatError (adding nothing) for bad bytes. */
  addEncoded(bytes: Uint8Array): void {
    // Validate everything first (decodeHistogram throws on any defect), then add without
    // allocating: this loop runs for every bucket of every rollup of a period.
    if (!valid(bytes)) {
      decodeHistogram(bytes); // throws the precise HistogramFormatError
      throw new HistogramFormatError('invalid latency histogram');
    }
    const counts = this.#counts;
    const reader = new VarintReader(bytes, 9);
    let index = 0;
    while (!reader.done) {
      index += reader.next();
      const count = reader.next();
      counts[index] = (counts[index] ?? 0) + count;
      this.#total += count;
    }
    this.#sum += new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(1, true);
  }

  add(histogram: LatencyHistogram): void {
    this.addEncoded(histogram.encode());
  }

  /** The sparse histogram of everything added. */
  toHistogram(): LatencyHistogram {
    return LatencyHistogram.fromCounts(this.#counts, this.#sum);
  }
}

/** A cheap structural check: header, whole varints, indexes in range. */
function valid(bytes: Uint8Array): boolean {
  if (bytes.length < 9 || bytes[0] !== HISTOGRAM_FORMAT_VERSION) return false;
  const reader = new VarintReader(bytes, 9);
  let index = 0;
  while (!reader.done) {
    index += reader.next();
    reader.next();
    if (reader.fault || index >= BUCKET_COUNT) return false;
  }
  return true;
}
