/**
 * Memory trend and leak suspicion from recent snapshots (the monitoring article's MemoryMonitor,
 * made less jumpy): the heap's growth rate is the least-squares slope over the window, and a leak
 * is suspected only when the heap grows steadily (a good linear fit) for long enough, so the
 * garbage collector's saw-tooth does not raise it.
 */
import { z } from 'zod';
import { countField } from '../base/answer-fields.ts';

export interface MemorySample {
  at: number;
  heapUsed: number;
  rss: number;
}

export interface MemoryTrendOptions {
  /** Only samples newer than this many ms count. Default 10 minutes. */
  windowMs?: number;
  /** Heap growth (bytes per second) above which a steady rise counts as a suspected leak. Default 50 KiB/s (about 176 MiB per hour). */
  leakBytesPerSecond?: number;
  /** Fewest samples for a verdict. Default 10. */
  minSamples?: number;
  /** Shortest span (ms) of the samples for a verdict. Default 5 minutes. */
  minSpanMs?: number;
  /** Lowest R² of the linear fit for growth to count as steady. Default 0.6. */
  minFit?: number;
}

/** The `memory_trend` of `GET /api/sse/performance`. */
export const memoryTrendSchema = z.strictObject({
  samples: countField,
  window_seconds: z.number(),
  heap_used: z.strictObject({ current: z.number(), min: z.number(), max: z.number(), average: z.number() }),
  rss: z.strictObject({ current: z.number(), max: z.number() }),
  growth_bytes_per_second: z.number().describe('Least-squares slope of heap used, bytes per second'),
  leak_suspected: z.boolean(),
  reason: z.string().describe('Plain-language verdict'),
});
export type MemoryTrend = z.infer<typeof memoryTrendSchema>;

/** The trend of the samples taken in the `windowMs` before `now`. */
export function memoryTrend(samples: readonly MemorySample[], now: number, options: MemoryTrendOptions = {}): MemoryTrend {
  const windowMs = options.windowMs ?? 10 * 60_000;
  const leakRate = options.leakBytesPerSecond ?? 50 * 1024;
  const minSamples = options.minSamples ?? 10;
  const minSpanMs = options.minSpanMs ?? 5 * 60_000;
  const minFit = options.minFit ?? 0.6;
  const recent = samples.filter((s) => s.at > now - windowMs && s.at <= now);
  const heaps = recent.map((s) => s.heapUsed);
  const last = recent[recent.length - 1];
  const base = {
    samples: recent.length,
    window_seconds: windowMs / 1000,
    heap_used: {
      current: last?.heapUsed ?? 0,
      min: heaps.length ? Math.min(...heaps) : 0,
      max: heaps.length ? Math.max(...heaps) : 0,
      average: heaps.length ? heaps.reduce((a, b) => a + b, 0) / heaps.length : 0,
    },
    rss: { current: last?.rss ?? 0, max: recent.length ? Math.max(...recent.map((s) => s.rss)) : 0 },
  };
  const first = recent[0];
  if (!first || !last || recent.length < minSamples || last.at - first.at < minSpanMs) {
    const { slope } = fit(recent);
    return { ...base, growth_bytes_per_second: slope, leak_suspected: false, reason: 'Not enough samples yet for a verdict' };
  }
  const { slope, r2 } = fit(recent);
  const perHourMiB = (slope * 3600) / (1024 * 1024);
  if (slope > leakRate && r2 >= minFit) {
    return {
      ...base,
      growth_bytes_per_second: slope,
      leak_suspected: true,
      reason: `Heap has grown steadily by about ${perHourMiB.toFixed(1)} MiB per hour; check for listeners or caches that are never released`,
    };
  }
  const verdict = slope > 0 ? `Heap growth of ${perHourMiB.toFixed(1)} MiB per hour is within bounds` : 'Heap is stable or shrinking';
  return { ...base, growth_bytes_per_second: slope, leak_suspected: false, reason: verdict };
}

/** Linear regression of heap used against time (seconds): slope and coefficient of determination. */
function fit(samples: readonly MemorySample[]): { slope: number; r2: number } {
  const n = samples.length;
  if (n < 2) return { slope: 0, r2: 0 };
  const t0 = samples[0]?.at ?? 0;
  let sx = 0;
  let sy = 0;
  for (const s of samples) {
    sx += (s.at - t0) / 1000;
    sy += s.heapUsed;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const s of samples) {
    const dx = (s.at - t0) / 1000 - mx;
    const dy = s.heapUsed - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return { slope: 0, r2: 0 };
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  return { slope, r2 };
}
