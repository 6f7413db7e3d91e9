/** A JSON object (not null, not an array) whose keys can be read: the first check on any parsed input. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
