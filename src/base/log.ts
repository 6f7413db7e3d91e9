/**
 * Logging with pino. Secrets never reach the output: known header and field paths are redacted,
 * `token`/`access_token` query parameters are masked in logged URLs, token-shaped text is masked
 * in every line whatever field holds it, and every secret the process knows (Supervisor token, HA
 * token, demo token) is scrubbed from each line as a last line of defence.
 */
import { Writable } from 'node:stream';
import { pino, type Logger, type DestinationStream } from 'pino';
import { prettyChunk } from './log-pretty.ts';

export type { Logger } from 'pino';

const REDACTED = '[REDACTED]';

/** Paths pino censors wherever they appear in a log object. */
const REDACT_PATHS = [
  'authorization',
  'token',
  'access_token',
  'headers.authorization',
  'headers["x-supervisor-token"]',
  'req.headers.authorization',
  'req.headers["x-supervisor-token"]',
  'req.headers.cookie',
  '*.token',
  '*.access_token',
  '*.authorization',
];

/** Home Assistant add-on log levels (bashio's set), mapped to pino levels below. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'notice', 'warning', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const PINO_LEVEL: Record<LogLevel, pino.Level> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
};

/** Masks the values of `token` and `access_token` query parameters in a URL or path. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:access_)?token=)[^&#]*/gi, `$1${REDACTED}`);
}

/**
 * Token-shaped text anywhere in a serialized line, whatever the depth or field it was logged under
 * (the redact paths above reach fixed depths only): `token`/`access_token` query values, Bearer
 * credentials, and JSON fields with secret names.
 */
const TOKEN_SHAPES: readonly [RegExp, string][] = [
  [/([?&](?:access_)?token=)[^&#"\s\\]+/gi, `$1${REDACTED}`],
  [/(\bBearer\s+)[^\s"\\]+/gi, `$1${REDACTED}`],
  [/("(?:access_token|token|authorization|cookie|x-supervisor-token)":)"(?:[^"\\]|\\.)*"/gi, `$1"${REDACTED}"`],
];

/** Masks {@link TOKEN_SHAPES} in one output line. */
export function maskTokenShapes(line: string): string {
  let out = line;
  for (const [pattern, replacement] of TOKEN_SHAPES) out = out.replace(pattern, replacement);
  return out;
}

/** Secrets scrubbed from every output line; a Set so registering the same token twice is harmless. */
export class SecretScrubber {
  readonly #secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Short strings would scrub ordinary words; real tokens are long.
    if (secret && secret.length >= 8) this.#secrets.add(secret);
  }

  scrub(line: string): string {
    let out = line;
    for (const secret of this.#secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout when omitted. Tests pass a collecting stream. */
  destination?: DestinationStream | NodeJS.WritableStream;
  scrubber?: SecretScrubber;
  /** Human-readable lines instead of JSON; by default when writing to stdout and stdout is a terminal. */
  pretty?: boolean;
}

export function createLogger({ level, destination, scrubber = new SecretScrubber(), pretty }: LoggerOptions): Logger {
  const target = destination ?? process.stdout;
  const human = pretty ?? (destination === undefined && process.stdout.isTTY);
  const scrubbing = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const line = scrubber.scrub(maskTokenShapes(chunk.toString()));
      target.write(human ? prettyChunk(line) : line);
      callback();
    },
  });
  return pino(
    {
      level: PINO_LEVEL[level],
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: {
        url: (url: unknown) => (typeof url === 'string' ? redactUrl(url) : url),
        err: pino.stdSerializers.err,
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    scrubbing,
  );
}
