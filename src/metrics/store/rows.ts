/**
 * How a {@link Rollup} maps to a row of a rollup table (`schema.ts`): histograms as BLOBs, the
 * count maps as JSON text, and the column lists the store's statements select.
 */
import { LatencyHistogram } from '../histogram/histogram.ts';
import type { Rollup, RollupView } from '../rollup/record.ts';
import { ROLLUP_COLUMNS } from './schema.ts';

/** The columns of a {@link RollupView}: everything but the processing histogram and the count maps. */
export const VIEW_FIELDS = ROLLUP_COLUMNS.filter(([, field]) => !['hubLatency', 'eventTypes', 'errors', 'closeReasons'].includes(field));

/** `column AS field, …` for a SELECT whose rows come back keyed by the Rollup's field names. */
export function selectList(fields: readonly (readonly [string, string, string])[]): string {
  return fields.map(([c, f]) => (c === f ? c : `${c} AS ${f}`)).join(', ');
}

/** A raw row (values in {@link VIEW_FIELDS} order) as a view. */
export function toView(values: unknown[]): RollupView {
  const view: Record<string, unknown> = {};
  for (let i = 0; i < VIEW_FIELDS.length; i++) view[VIEW_FIELDS[i]?.[1] ?? ''] = values[i];
  return view as RollupView;
}

type RawRow = Record<string, unknown> | undefined;

export function decodeRow(row: unknown): Rollup | undefined {
  const raw = row as RawRow;
  if (!raw) return undefined;
  const json = (v: unknown) => JSON.parse(typeof v === 'string' ? v : '{}') as Record<string, number>;
  return {
    ...(raw as unknown as Rollup),
    latency: LatencyHistogram.decode(raw.latency as Uint8Array),
    hubLatency: LatencyHistogram.decode(raw.hubLatency as Uint8Array),
    eventTypes: json(raw.eventTypes),
    errors: json(raw.errors),
    closeReasons: json(raw.closeReasons),
  };
}

export function encodeRow(rollup: Rollup): Record<string, unknown> {
  return {
    ...rollup,
    latency: rollup.latency.encode(),
    hubLatency: rollup.hubLatency.encode(),
    eventTypes: JSON.stringify(rollup.eventTypes),
    errors: JSON.stringify(rollup.errors),
    closeReasons: JSON.stringify(rollup.closeReasons),
  };
}
