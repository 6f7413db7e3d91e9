/**
 * The additive totals of a run of rollups (sums, maxima and one merged latency histogram): what a
 * period summary is computed from. No response shape here; `stats/summary.ts` turns it into one.
 */
import { HistogramAccumulator } from '../histogram/accumulator.ts';
import { LatencyHistogram } from '../histogram/histogram.ts';
import type { RollupView } from './record.ts';

/**
 * Additive totals of a period's rollups: what the period summary of `stats/summary.ts` needs. The store computes it in
 * SQL (plus one merge of the histograms); {@link addToAggregate} does the same for rollups in memory.
 */
export interface PeriodAggregate {
  durationMs: number;
  /** Σ connAvg × durationMs. */
  connWeighted: number;
  /** Σ cpuAvg × durationMs. */
  cpuWeighted: number;
  deliveries: number;
  connMax: number;
  rateMax: number;
  memMax: number;
  cpuMax: number;
  latency: HistogramAccumulator;
}

export function emptyAggregate(): PeriodAggregate {
  return { durationMs: 0, connWeighted: 0, cpuWeighted: 0, deliveries: 0, connMax: 0, rateMax: 0, memMax: 0, cpuMax: 0, latency: new HistogramAccumulator() };
}

export function addToAggregate(a: PeriodAggregate, row: RollupView): PeriodAggregate {
  a.durationMs += row.durationMs;
  a.connWeighted += row.connAvg * row.durationMs;
  a.cpuWeighted += row.cpuAvg * row.durationMs;
  a.deliveries += row.deliveries;
  a.connMax = Math.max(a.connMax, row.connMax);
  a.rateMax = Math.max(a.rateMax, row.rateMax);
  a.memMax = Math.max(a.memMax, row.memRssMax);
  a.cpuMax = Math.max(a.cpuMax, row.cpuMax);
  if (row.latency instanceof LatencyHistogram) a.latency.add(row.latency);
  else a.latency.addEncoded(row.latency);
  return a;
}
