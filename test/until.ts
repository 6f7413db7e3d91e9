/**
 * The one poll-until helper of the tests: for a condition the test cannot be told about (a socket
 * closing, a counter in another part moving), it looks again every few milliseconds until the
 * condition holds. Not a clock: time the code under test waits for comes from a fake clock
 * (`fake-clock.ts`), and "nothing else arrived" is shown by a later marker, never by waiting.
 */

/** Resolves once `check` holds; rejects naming `what` when it has not within `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what = 'a condition', timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
