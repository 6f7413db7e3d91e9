/**
 * The threshold fields of the alerts form: label, unit and the allowed values, the same as the
 * hub's validation (src/alerts/rules.ts; test/panel/threshold-fields.test.ts keeps them equal).
 */
import type { ThresholdKey } from '../../alerts/rules.ts';

export interface ThresholdField {
  key: ThresholdKey;
  label: string;
  unit: string;
  min: number;
  max: number;
  integer: boolean;
}

export const THRESHOLD_FIELDS: ThresholdField[] = [
  { key: 'connections', label: 'Open streams', unit: 'streams', min: 0, max: 10000, integer: true },
  { key: 'event_rate_max', label: 'Event rate above', unit: 'events/s', min: 0, max: 100000, integer: false },
  { key: 'event_rate_min', label: 'Event rate below', unit: 'events/s', min: 0, max: 100000, integer: false },
  { key: 'memory_mb', label: 'Memory', unit: 'MiB', min: 0, max: 65536, integer: true },
  { key: 'cpu_percent', label: 'CPU', unit: '% of a core', min: 0, max: 1000, integer: true },
  { key: 'latency_p95_ms', label: 'Latency p95', unit: 'ms', min: 0, max: 600000, integer: true },
  { key: 'latency_p99_ms', label: 'Latency p99', unit: 'ms', min: 0, max: 600000, integer: true },
  { key: 'error_rate_percent', label: 'Failed deliveries', unit: '%', min: 0, max: 100, integer: false },
  { key: 'backlog_kb', label: 'Socket backlog', unit: 'KiB', min: 0, max: 1048576, integer: true },
  { key: 'upstream_down_seconds', label: 'Home Assistant unreachable for', unit: 's', min: 0, max: 86400, integer: true },
  { key: 'sustain_seconds', label: 'Condition must hold for', unit: 's', min: 0, max: 3600, integer: true },
  { key: 'cooldown_minutes', label: 'Cooldown between alerts', unit: 'min', min: 0, max: 1440, integer: true },
];

/** The message for a typed value, or '' when it is valid. */
export function validateThreshold(field: ThresholdField, raw: string): string {
  const text = raw.trim();
  // The hold time and the cooldown are not thresholds: 0 means no wait, not off (DOCS.md, Configuration).
  if (text === '') return field.key === 'sustain_seconds' || field.key === 'cooldown_minutes' ? 'Enter a number (0 = no wait).' : 'Enter a number (0 turns the alert off).';
  const value = Number(text);
  if (!Number.isFinite(value)) return 'Enter a number.';
  if (field.integer && !Number.isInteger(value)) return 'Enter a whole number.';
  if (value < field.min || value > field.max) return `Enter a value from ${field.min} to ${field.max}.`;
  return '';
}

/** The hub's `invalid_thresholds` message ("key: problem; key: problem") → problem per key. */
export function serverFieldErrors(message: string): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const part of message.split('; ')) {
    const match = /^([\w.]+): (.*)$/.exec(part);
    if (match) errors[match[1]!] = match[2]!;
  }
  return errors;
}
