/**
 * Stream entries as ioredis returns them: `[id, [field, value, ...]]`. An event entry has field
 * `e` (the event as JSON); a status entry has field `s` (`connected` or `disconnected`).
 */
import type { HubEvent, StampedEvent } from '../base/types.ts';

export type Entry = [id: string, fields: string[]];

export function fieldOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

export function decode([id, fields]: Entry): StampedEvent | undefined {
  const raw = fieldOf(fields, 'e');
  if (raw === undefined) return undefined;
  try {
    return { id, event: JSON.parse(raw) as HubEvent };
  } catch {
    return undefined;
  }
}

export function infoFields(flat: unknown[]): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(String(flat[i]), flat[i + 1]);
  return map;
}
