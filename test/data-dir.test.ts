/** The data directory is made ready (or refused with a reason) before anything else starts (issue 13, defect 3). */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DataDirError, prepareDataDir } from '../src/data-dir.ts';
import { childEnv, killLeftovers, start, within } from './process-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-datadir-'));
after(() => {
  killLeftovers();
  rmSync(dir, { recursive: true, force: true });
});

describe('prepareDataDir', () => {
  it('creates missing parents and leaves no probe behind', () => {
    const target = join(dir, 'a', 'b', 'c');
    prepareDataDir(target);
    assert.ok(existsSync(target));
    prepareDataDir(target); // idempotent
  });

  it('refuses a path under /proc with a reason instead of looping', () => {
    assert.throws(() => prepareDataDir('/proc/x'), (err: unknown) => err instanceof DataDirError && /\/proc\/x cannot be used: cannot create/.test(err.message));
  });

  it('refuses a path whose parent is a file', () => {
    const file = join(dir, 'file');
    writeFileSync(file, '');
    assert.throws(() => prepareDataDir(join(file, 'data')), /exists and is not a directory/);
  });
});

describe('the process with a data directory it cannot use', () => {
  it('exits 2 with one clear line', { timeout: 60_000 }, async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const run = start(['--import', 'tsx', 'src/main.ts'], root, { ...childEnv(dir), DATA_DIR: '/proc/x' });
    const result = await within(run.exit, 40_000);
    if (result === 'timeout') run.child.kill('SIGKILL');
    assert.deepEqual(result, { code: 2, signal: null }, run.stderr());
    assert.equal(run.stderr().trim(), 'SSE Hub: data directory /proc/x cannot be used: cannot create /proc/x (ENOENT)');
  });
});
