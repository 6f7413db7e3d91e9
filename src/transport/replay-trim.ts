/**
 * The Redis transport's history policy, run inside Redis as Lua so that trimming, counting and the
 * append are one atomic step on Redis's own clock (the clock that dates the stream's entry ids).
 *
 * The stream keeps an entry while it is younger than the window or among the newest `minEvents`,
 * and only while the entries' cost fits the byte budget: the memory transport's rule
 * ({@link ReplayPolicy}). One addition: the stream is also how events reach every instance
 * (`XREAD` from each one's last id), so an entry younger than the delivery grace stays whatever
 * the policy says; a reader a moment behind would otherwise lose events trimmed before it read them. A hash beside the stream (`<key>:replay`) holds the running cost
 * (`bytes`) and the id of the newest entry the trim dropped (`dropped`, empty while none): an id
 * older than that replays as a gap. The trim walks the oldest entries in pages and deletes with one
 * exact `XTRIM MINID`, so its work is the entries it drops plus one page.
 *
 * A stream written by 0.1.0 (trimmed with `MAXLEN ~`, no hash) gets `dropped` = its first entry:
 * whatever came before may be gone, so only ids from the first entry on replay.
 */
import { ENTRY_OVERHEAD_BYTES } from './replay-ring.ts';
import { type ReplayPolicy, type ReplayWindow, replayWindow } from './transport.ts';

/** What both scripts answer: Redis's time (ms), entries held, their cost, the newest dropped id, the oldest held id ('' for none). */
export type TrimReply = [nowMs: number, events: number, bytes: number, dropped: string, first: string];

const TRIM_FUNCTION = `
local function trim(stream, meta, windowMs, minEvents, maxBytes, overhead, graceMs)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if redis.call('EXISTS', stream) == 0 then
    redis.call('DEL', meta)
    return {now, 0, 0, '', ''}
  end
  local n = redis.call('XLEN', stream)
  local bytes = tonumber(redis.call('HGET', meta, 'bytes') or '0')
  local dropped = redis.call('HGET', meta, 'dropped')
  if not dropped then
    local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
    dropped = oldest[1] and oldest[1][1] or ''
  end
  local start = '-'
  local keep = ''
  local removed = 0
  -- Usually the oldest entry stays: look at it alone first, then walk in pages of 100.
  local count = 1
  while n > 0 and keep == '' do
    local page = redis.call('XRANGE', stream, start, '+', 'COUNT', count)
    if #page == 0 then break end
    count = 100
    for _, entry in ipairs(page) do
      local ms = tonumber(string.match(entry[1], '^%d+'))
      if now - ms < graceMs or (bytes <= maxBytes and (now - ms < windowMs or n <= minEvents)) then
        keep = entry[1]
        break
      end
      local cost = overhead
      for _, part in ipairs(entry[2]) do cost = cost + #part end
      bytes = bytes - cost
      n = n - 1
      removed = removed + 1
      dropped = entry[1]
    end
    start = '(' .. page[#page][1]
  end
  if removed > 0 then
    if keep ~= '' then redis.call('XTRIM', stream, 'MINID', keep) else redis.call('XTRIM', stream, 'MAXLEN', 0) end
  end
  if n == 0 or bytes < 0 then bytes = 0 end
  redis.call('HSET', meta, 'bytes', bytes, 'dropped', dropped)
  return {now, n, bytes, dropped, keep}
end
`;

/** KEYS: stream, meta. ARGV: windowMs, minEvents, maxBytes, overhead, graceMs. */
export const TRIM_SCRIPT = `${TRIM_FUNCTION}
return trim(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))`;

/**
 * KEYS: stream, meta, leader lock, the latest published state per entity (a hash the cluster's new
 * leader diffs core's states against, docs/redis.md). ARGV: fencing token ('' = unfenced), field,
 * value, the entity id ('' for none) and its state ('' when removed), then the trim's arguments.
 * Answers the new entry's id followed by the {@link TrimReply}.
 */
export const APPEND_SCRIPT = `${TRIM_FUNCTION}
if ARGV[1] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[1] then return redis.error_reply('FENCED') end
if ARGV[4] ~= '' then if ARGV[5] == '' then redis.call('HDEL', KEYS[4], ARGV[4]) else redis.call('HSET', KEYS[4], ARGV[4], ARGV[5]) end end
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HSET', KEYS[2], 'bytes', 0, 'dropped', '') end
local id = redis.call('XADD', KEYS[1], '*', ARGV[2], ARGV[3])
redis.call('HINCRBY', KEYS[2], 'bytes', #ARGV[2] + #ARGV[3] + tonumber(ARGV[9]))
local reply = trim(KEYS[1], KEYS[2], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]))
return {id, reply[1], reply[2], reply[3], reply[4], reply[5]}`;

/** The policy (and the delivery grace, ms) as the scripts' trailing arguments. */
export function trimArgs(policy: ReplayPolicy, graceMs: number): number[] {
  const whole = (n: number) => Math.max(0, Math.min(Number.MAX_SAFE_INTEGER, Math.floor(n)));
  return [whole(policy.windowMs), whole(policy.minEvents), whole(policy.maxBytes), ENTRY_OVERHEAD_BYTES, whole(graceMs)];
}

const msOf = (id: string): number => Number(id.slice(0, id.indexOf('-')));

/** The window a reply describes, `ageMs` after Redis answered. */
export function windowOf(reply: TrimReply, ageMs: number): ReplayWindow {
  const [nowMs, events, bytes, dropped, first] = reply;
  const start = dropped !== '' ? msOf(dropped) : first !== '' ? msOf(first) : undefined;
  return replayWindow(start, Number(nowMs) + Math.max(0, ageMs), Number(events), Number(bytes));
}
