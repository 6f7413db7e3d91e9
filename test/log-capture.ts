/** A real pino logger whose output the test keeps: to read log lines and to prove secrets never appear. */
import { Writable } from 'node:stream';
import type { LogLevel } from '../src/config/config.ts';
import { type Logger, SecretScrubber, createLogger } from '../src/base/log.ts';

export interface CapturedLogger {
  logger: Logger;
  /** The raw chunks written so far (a live array; pino writes one line per chunk). */
  chunks: string[];
  /** Every log line so far, parsed. */
  lines(): Record<string, unknown>[];
  /** The raw output so far. */
  text(): string;
}

export function captureLogger(level: LogLevel = 'debug', scrubber = new SecretScrubber()): CapturedLogger {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ level, destination, scrubber });
  const text = () => chunks.join('');
  return {
    logger,
    chunks,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
