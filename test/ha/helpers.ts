/** Shared helpers for the Home Assistant tests: a capturing logger and condition polling. */
import { Writable } from 'node:stream';
import { createLogger, SecretScrubber, type Logger } from '../../src/log.ts';

export interface CapturedLogger {
  logger: Logger;
  /** Every log line so far, parsed. */
  lines(): Record<string, unknown>[];
  /** The raw output so far (to assert secrets never appear). */
  text(): string;
}

export function captureLogger(level: 'debug' | 'info' = 'debug'): CapturedLogger {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ level, destination, scrubber: new SecretScrubber() });
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Polls until `predicate` is true (or throws after `timeoutMs`, naming `what`). */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
