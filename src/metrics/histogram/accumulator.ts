/**
 * Merges many encoded histograms fast: a dense array over every bucket, so adding a blob is plain
 * array arithmetic instead of map lookups. Used for period summaries (up to 1440 minutes or 720
 * hours per query); {@link toHistogram} gives the sparse form for percentiles.
 */
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
    let pos = 9;
    let index = 0;
    const end = bytes.length;
    while (pos < end) {
      let delta = 0;
      let scale = 1;
      let byte: number;
      do {
        byte = bytes[pos++] ?? 0;
        delta += (byte & 0x7f) * scale;
        scale *= 0x80;
      } while (byte >= 0x80);
      let count = 0;
      scale = 1;
      do {
        byte = bytes[pos++] ?? 0;
        count += (byte & 0x7f) * scale;
        scale *= 0x80;
      } while (byte >= 0x80);
      index += delta;
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
  let pos = 9;
  let index = 0;
  let field = 0;
  while (pos < bytes.length) {
    let value = 0;
    let scale = 1;
    let byte: number;
    do {
      if (pos >= bytes.length || scale > 2 ** 56) return false;
      byte = bytes[pos++] ?? 0;
      value += (byte & 0x7f) * scale;
      scale *= 0x80;
    } while (byte >= 0x80);
    if (field === 0) {
      index += value;
      if (index >= BUCKET_COUNT) return false;
    }
    field ^= 1;
  }
  return field === 0;
}
