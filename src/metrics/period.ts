/**
 * The history periods of DOCS.md (`1h`, `24h`, `7d`, `30d`) and how each is read: the two
 * short ones from per-minute rollups, the two long ones from per-hour rollups.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from './clock.ts';

export const PERIODS = ['1h', '24h', '7d', '30d'] as const;
export type Period = (typeof PERIODS)[number];

/** Used when a request names no period. */
export const DEFAULT_PERIOD: Period = '1h';

export type Resolution = 'minute' | 'hour';

export interface PeriodSpec {
  readonly period: Period;
  readonly lengthMs: number;
  readonly resolution: Resolution;
  /** The rollup bucket size for this period (a minute or an hour). */
  readonly bucketMs: number;
}

const SPECS: Record<Period, PeriodSpec> = {
  '1h': { period: '1h', lengthMs: HOUR_MS, resolution: 'minute', bucketMs: MINUTE_MS },
  '24h': { period: '24h', lengthMs: DAY_MS, resolution: 'minute', bucketMs: MINUTE_MS },
  '7d': { period: '7d', lengthMs: 7 * DAY_MS, resolution: 'hour', bucketMs: HOUR_MS },
  '30d': { period: '30d', lengthMs: 30 * DAY_MS, resolution: 'hour', bucketMs: HOUR_MS },
};

/** A period that is not one of {@link PERIODS}. The HTTP layer maps it to 400. */
export class InvalidPeriodError extends Error {
  constructor(readonly value: unknown) {
    super(`period must be one of ${PERIODS.join(', ')}`);
    this.name = 'InvalidPeriodError';
  }
}

export function isPeriod(value: unknown): value is Period {
  return typeof value === 'string' && (PERIODS as readonly string[]).includes(value);
}

/** `undefined` → {@link DEFAULT_PERIOD}; anything else that is not a period throws {@link InvalidPeriodError}. */
export function parsePeriod(value: unknown): Period {
  if (value === undefined) return DEFAULT_PERIOD;
  if (isPeriod(value)) return value;
  throw new InvalidPeriodError(value);
}

export function periodSpec(period: Period): PeriodSpec {
  return SPECS[period];
}

/**
 * The first bucket start belonging to `period` at time `now`: the window holds exactly
 * `lengthMs / bucketMs` buckets, the last of which is the one containing `now` (60 minutes for
 * 1h, 1440 for 24h, 168 hours for 7d, 720 hours for 30d).
 */
export function windowStart(period: Period, now: number): number {
  const spec = SPECS[period];
  return Math.floor(now / spec.bucketMs) * spec.bucketMs - spec.lengthMs + spec.bucketMs;
}
