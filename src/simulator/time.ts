/**
 * Core's timestamps: Python `datetime.isoformat()` in UTC (`2025-08-14T18:42:37.391872+00:00`,
 * microseconds omitted when zero) and float epoch seconds for compressed states (docs/home-assistant.md §6, §8).
 * JavaScript clocks have milliseconds; the microsecond digits come from a monotonic high-resolution
 * clock so that successive timestamps stay ordered, as core's do.
 */

/** Epoch microseconds, strictly increasing per clock. */
export class MicroClock {
  readonly #originMicros = Date.now() * 1000;
  readonly #originHr = process.hrtime.bigint();
  #last = 0;

  now(): number {
    const elapsed = Number((process.hrtime.bigint() - this.#originHr) / 1000n);
    const value = Math.max(this.#originMicros + elapsed, this.#last + 1);
    this.#last = value;
    return value;
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2025-08-14T18:42:37.391872+00:00`; the fraction is left out when it is zero, as Python does. */
export function isoMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const d = new Date(ms);
  const fraction = ((micros % 1_000_000) + 1_000_000) % 1_000_000;
  const base =
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${base}${fraction === 0 ? '' : `.${pad(fraction, 6)}`}+00:00`;
}

/** Float epoch seconds (`lc`/`lu` of compressed states). */
export const epochSeconds = (micros: number): number => micros / 1_000_000;

/** Parses an `isoMicros` string back to epoch microseconds. */
export function parseIsoMicros(iso: string): number {
  const match = /\.(\d{1,6})/.exec(iso);
  const ms = Date.parse(iso);
  const whole = Math.floor(ms / 1000) * 1_000_000;
  return whole + (match?.[1] ? Number(match[1].padEnd(6, '0')) : 0);
}

