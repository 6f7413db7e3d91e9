/**
 * An alert as the API (`GET /api/sse/alerts`, `/history`), the SSE `alert` event and the Home
 * Assistant event `sse_hub_alert` describe it (DOCS.md), and the list those endpoints answer with.
 * The zod schemas are the shapes' one description: the types derive from them, the panel imports
 * the types, and `src/http/openapi.ts` publishes the schemas.
 */
import { z } from 'zod';
import { countField, isoTimeField } from '../base/answer-fields.ts';
import { isoTime } from '../base/iso-time.ts';
import type { AlertRecord } from './records.ts';
import { ALERT_RULES } from './rules.ts';

export const alertViewSchema = z.strictObject({
  id: z.number().int(),
  alert: z.string().describe('The rule, e.g. `memory`'),
  severity: z.string(),
  state: z.enum(['firing', 'resolved']),
  title: z.string(),
  message: z.string(),
  value: z.number(),
  threshold: z.number(),
  fired_at: isoTimeField,
  resolved_at: isoTimeField.nullable(),
});
export type AlertView = z.infer<typeof alertViewSchema>;

/** The `data` of `GET /api/sse/alerts` and `GET /api/sse/alerts/history`. */
export const alertListSchema = z.strictObject({ alerts: z.array(alertViewSchema), total: countField });
export type AlertList = z.infer<typeof alertListSchema>;

const TITLES: Record<string, string> = Object.fromEntries(ALERT_RULES.map((r) => [r.key, r.title]));

export function alertView(r: AlertRecord): AlertView {
  return {
    id: r.id,
    alert: r.alert,
    severity: r.severity,
    state: r.resolvedAt === null ? 'firing' : 'resolved',
    title: TITLES[r.alert] ?? r.alert,
    message: r.message,
    value: r.value,
    threshold: r.threshold,
    fired_at: isoTime(r.firedAt),
    resolved_at: r.resolvedAt === null ? null : isoTime(r.resolvedAt),
  };
}

export function alertList(alerts: AlertView[]): AlertList {
  return { alerts, total: alerts.length };
}
