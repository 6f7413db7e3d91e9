/**
 * Redis Stream entry ids (`<ms>-<seq>`) as SSE event ids: validation and ordering. Both parts are
 * kept within 15 digits so they stay exact as JavaScript numbers.
 */
const ID_PATTERN = /^(0|[1-9]\d{0,14})-(0|[1-9]\d{0,14})$/;

/** The id before every entry: what an empty stream's head is. */
export const ZERO_ID = '0-0';

export function isStreamId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** Negative when `a` is older than `b`, 0 when equal, positive when newer. Both must be valid ids. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am !== bm ? am - bm : as - bs;
}
