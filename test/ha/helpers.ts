/** Shared helpers for the Home Assistant tests: a capturing logger and condition polling. */
export { captureLogger, type CapturedLogger } from '../log-capture.ts';

/** Polls until `predicate` is true (or throws after `timeoutMs`, naming `what`). */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
