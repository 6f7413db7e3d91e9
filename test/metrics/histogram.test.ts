import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BUCKET_COUNT,
  HistogramFormatError,
  LatencyHistogram,
  MAX_TRACKABLE_MS,
  bucketIndex,
  bucketLowerBound,
  encodedPercentiles,
} from '../../src/metrics/histogram/histogram.ts';
import { HistogramAccumulator } from '../../src/metrics/histogram/accumulator.ts';

test('integer latencies below 1024 ms are exact: nearest-rank percentiles of 1..100 ms', () => {
  const h = new LatencyHistogram();
  for (let v = 1; v <= 100; v++) h.record(v);
  assert.equal(h.count, 100);
  assert.deepEqual(h.percentiles(), { p50: 50, p95: 95, p99: 99 });
  assert.equal(h.quantile(1), 100);
  assert.equal(h.quantile(0.01), 1);
  assert.equal(h.sum, 5050);
});

test('record(value, count) counts `count` samples', () => {
  const h = new LatencyHistogram();
  h.record(10, 90);
  h.record(200, 10);
  assert.equal(h.count, 100);
  assert.deepEqual(h.percentiles(), { p50: 10, p95: 200, p99: 200 });
});

test('negative, NaN and enormous values are clamped, fractional values truncated', () => {
  const h = new LatencyHistogram();
  h.record(-5);
  h.record(Number.NaN);
  h.record(7.9);
  h.record(1e15);
  assert.equal(h.count, 4);
  assert.deepEqual(h.quantiles([0.25, 0.5, 0.75, 1]), [0, 0, 7, bucketLowerBound(BUCKET_COUNT - 1)]);
  assert.equal(bucketIndex(MAX_TRACKABLE_MS), BUCKET_COUNT - 1);
  assert.equal(bucketIndex(1e15), BUCKET_COUNT - 1);
});

test('above 1024 ms the reported value is within 1/512 of the true one, never above it', () => {
  for (const v of [1024, 1500, 2047, 2048, 4999, 65_537, 1_000_000, 123_456_789]) {
    const reported = bucketLowerBound(bucketIndex(v));
    assert.ok(reported <= v, `${reported} <= ${v}`);
    assert.ok((v - reported) / v < 1 / 512, `error for ${v}: ${v - reported}`);
  }
  // bucket boundaries are contiguous and increasing
  for (let i = 1; i < BUCKET_COUNT; i++) assert.ok(bucketLowerBound(i) > bucketLowerBound(i - 1));
  for (let i = 0; i < BUCKET_COUNT; i += 97) assert.equal(bucketIndex(bucketLowerBound(i)), i);
});

test('merging per-minute histograms gives the percentiles of all samples, not an average of percentiles', () => {
  // Minute A: 99 fast samples; minute B: one slow burst. Averaging p99s would give (1 + 500)/2.
  const a = new LatencyHistogram();
  a.record(1, 99);
  const b = new LatencyHistogram();
  b.record(500, 1);
  const merged = a.clone().merge(b);
  assert.equal(merged.quantile(0.99), 1);
  assert.equal(merged.quantile(1), 500);
  assert.equal(a.count, 99, 'clone() leaves the original alone');
});

test('encode/decode round-trips counts and sum; mergeEncoded adds into an existing histogram', () => {
  const h = new LatencyHistogram();
  for (let v = 0; v < 3000; v += 7) h.record(v, (v % 5) + 1);
  h.record(5_000_000, 3);
  const bytes = h.encode();
  const back = LatencyHistogram.decode(bytes);
  assert.equal(back.count, h.count);
  assert.equal(back.sum, h.sum);
  assert.deepEqual(back.quantiles([0.1, 0.5, 0.9, 0.999, 1]), h.quantiles([0.1, 0.5, 0.9, 0.999, 1]));
  const twice = LatencyHistogram.decode(bytes).mergeEncoded(bytes);
  assert.equal(twice.count, 2 * h.count);
  assert.equal(twice.quantile(0.5), h.quantile(0.5));
  assert.ok(bytes.length < 2000, `compact: ${bytes.length} bytes`);
  assert.equal(new LatencyHistogram().encode().length, 9, 'an empty histogram is its header');
});

test('bad bytes raise HistogramFormatError and change nothing', () => {
  const h = new LatencyHistogram();
  h.record(3);
  assert.throws(() => h.mergeEncoded(Buffer.from([9, 9, 9])), HistogramFormatError);
  const truncated = Buffer.concat([new LatencyHistogram().encode(), Buffer.from([0x05, 0x80])]);
  assert.throws(() => h.mergeEncoded(truncated), HistogramFormatError);
  const outOfRange = Buffer.concat([new LatencyHistogram().encode(), Buffer.from([0xff, 0xff, 0x03, 0x01])]);
  assert.throws(() => h.mergeEncoded(outOfRange), HistogramFormatError);
  assert.equal(h.count, 1);
});

test('empty histogram reports 0 for every percentile', () => {
  assert.deepEqual(new LatencyHistogram().percentiles(), { p50: 0, p95: 0, p99: 0 });
});

test('countAtOrBelow gives cumulative counts at Prometheus boundaries', () => {
  const h = new LatencyHistogram();
  h.record(1);
  h.record(5);
  h.record(6);
  h.record(2500);
  h.record(9000);
  assert.equal(h.countAtOrBelow(5), 2);
  assert.equal(h.countAtOrBelow(2500), 4);
  assert.equal(h.countAtOrBelow(10000), 5);
  assert.equal(h.countAtOrBelow(0.5), 0);
});

test('the dense accumulator and encodedPercentiles agree with the sparse histogram', () => {
  const parts = [0, 1, 2, 3].map((k) => {
    const h = new LatencyHistogram();
    for (let v = 0; v < 5000; v += 13 + k) h.record(v, k + 1);
    return h;
  });
  const sparse = new LatencyHistogram();
  const dense = new HistogramAccumulator();
  for (const p of parts) {
    sparse.merge(p);
    dense.addEncoded(p.encode());
  }
  assert.equal(dense.count, sparse.count);
  const merged = dense.toHistogram();
  assert.deepEqual(merged.quantiles([0.01, 0.5, 0.95, 0.99, 1]), sparse.quantiles([0.01, 0.5, 0.95, 0.99, 1]));
  assert.equal(merged.sum, sparse.sum);
  for (const p of parts) assert.deepEqual(encodedPercentiles(p.encode()), p.percentiles());
  assert.deepEqual(encodedPercentiles(new LatencyHistogram().encode()), { p50: 0, p95: 0, p99: 0 });
  assert.throws(() => dense.addEncoded(Buffer.concat([new LatencyHistogram().encode(), Buffer.from([0x05])])), HistogramFormatError);
  assert.throws(() => dense.addEncoded(Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0])), HistogramFormatError);
  assert.equal(dense.count, sparse.count, 'bad blobs add nothing');
});
