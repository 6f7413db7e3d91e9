/** The open-file budget: /proc/self/limits parsed, the shortfall computed and said once, nothing limited when the limit is ample or unknown. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FileBudget } from '../../src/hub/file-budget.ts';
import { countOpenFiles, parseOpenFileLimit, readOpenFileLimit } from '../../src/base/open-files.ts';
import { captureLogger } from '../log-capture.ts';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

test('parses the "Max open files" row, "unlimited" included, and reads this process', () => {
  assert.deepEqual(parseOpenFileLimit(LIMITS), { soft: 1024, hard: 524288 });
  assert.deepEqual(parseOpenFileLimit(LIMITS.replace('1024                 524288', 'unlimited            unlimited')), { soft: Infinity, hard: Infinity });
  assert.equal(parseOpenFileLimit('Max cpu time unlimited unlimited seconds'), undefined);
  assert.equal(readOpenFileLimit('/nonexistent/limits'), undefined);
  assert.equal(countOpenFiles('/nonexistent/fd'), undefined);
  const own = readOpenFileLimit();
  assert.ok(own && own.soft > 0 && own.hard >= own.soft, 'this Linux process has a limit');
  assert.ok((countOpenFiles() ?? 0) >= 3, 'stdio at least');
});

test('a limit below max_clients + what is open + the margin: streams capped, said once', () => {
  const log = captureLogger('info');
  const budget = new FileBudget({ maxClients: 10_000, logger: log.logger, readLimit: () => ({ soft: 1024, hard: 1024 }), countOpen: () => 40 });
  assert.equal(budget.streamsAllowed(), Infinity, 'nothing limited before start');
  budget.start();
  // margin: 5 % of 10 000 = 500 (more than 64)
  assert.deepEqual(budget.shortfall(), { open_files_limit: 1024, open_files_needed: 10_540, streams_allowed: 484 });
  assert.equal(budget.streamsAllowed(), 484);
  const warnings = log.lines().filter((l) => l.level === 40);
  assert.equal(warnings.length, 1);
  assert.match(String(warnings[0]!.msg), /open-file limit \(1024\) is below max_clients \(10000\).*at most 484 streams/);
});

test('an ample, unlimited or unknown limit limits nothing and logs nothing', () => {
  for (const readLimit of [() => ({ soft: 16_384, hard: 16_384 }), () => ({ soft: Infinity, hard: Infinity }), () => undefined]) {
    const log = captureLogger('info');
    const budget = new FileBudget({ maxClients: 10_000, logger: log.logger, readLimit, countOpen: () => 40 });
    budget.start();
    assert.equal(budget.shortfall(), undefined);
    assert.equal(budget.streamsAllowed(), Infinity);
    assert.equal(log.text(), '');
  }
  const tiny = new FileBudget({ maxClients: 100, logger: captureLogger().logger, readLimit: () => ({ soft: 64, hard: 64 }), countOpen: () => 30 });
  tiny.start();
  assert.equal(tiny.streamsAllowed(), 0, 'never negative');
});
