/**
 * A human-readable rendering of pino's JSON lines for a terminal: `12:00:01 INFO  message key=value`.
 * Used only when stdout is a TTY; pipes and the add-on log get the JSON lines unchanged.
 */

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

function showValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/** Renders one JSON log line (with or without its newline); text that is not a JSON object passes through. */
export function prettyLine(line: string): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return line;
  const { level, time, msg, err, ...rest } = record as Record<string, unknown>;
  const clock = typeof time === 'string' ? time.slice(11, 19) : '';
  const name = (typeof level === 'number' ? LEVEL_NAMES[level] : undefined) ?? String(level);
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${showValue(v)}`);
  let out = `${clock} ${name.padEnd(5)} ${typeof msg === 'string' ? msg : ''}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}\n`;
  if (err && typeof err === 'object') {
    const stack = (err as { stack?: unknown; message?: unknown }).stack ?? (err as { message?: unknown }).message;
    if (typeof stack === 'string') out += `${stack.replace(/^/gm, '    ')}\n`;
  }
  return out;
}

/** Renders a chunk that may hold several JSON lines. */
export function prettyChunk(chunk: string): string {
  return chunk
    .split('\n')
    .filter((l) => l.length > 0)
    .map(prettyLine)
    .join('');
}
