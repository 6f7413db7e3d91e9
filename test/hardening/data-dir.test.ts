/**
 * A data directory that cannot be created or written, in a real child process: the process checks
 * it before anything else and exits 2 with a message naming DATA_DIR, instead of starting (or
 * spinning without ever listening).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { childEnv, findLine, killLeftovers, start, within } from '../process-harness.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sse-hub-data-dir-'));
after(() => {
  killLeftovers();
  rmSync(dir, { recursive: true, force: true });
});

async function exitsWithDataDirError(dataDir: string): Promise<string> {
  const run = start(['--import', 'tsx', 'src/main.ts'], ROOT, childEnv(dir, { DATA_DIR: dataDir }));
  const result = await within(run.exit, 30_000);
  assert.notEqual(result, 'timeout', `still running after 30 s\n${run.stdout()}\n${run.stderr()}`);
  assert.deepEqual(result, { code: 2, signal: null }, run.stderr());
  assert.equal(findLine(run.stdout(), 'SSE Hub started'), undefined);
  return run.stderr();
}

describe('DATA_DIR that cannot be used', () => {
  it('DATA_DIR=/proc/x (cannot be created) exits 2 with a message naming the directory', { timeout: 40_000 }, async () => {
    const stderr = await exitsWithDataDirError('/proc/x');
    assert.match(stderr, /^SSE Hub: the data directory \/proc\/x \(DATA_DIR\) cannot be used: /m);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  });

  it('a DATA_DIR that is a file exits 2 too', { timeout: 40_000 }, async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const stderr = await exitsWithDataDirError(file);
    assert.match(stderr, /the data directory .*a-file \(DATA_DIR\) cannot be used/);
  });
});
