/**
 * The Node version package.json promises (`engines`) against the newest Node API the code uses:
 * `zlib.crc32` (Node 20.15.0) in src/http/gzip-member.ts, whose `MIN_NODE_VERSION` states it.
 * A newer API used without raising both fails here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { MIN_NODE_VERSION } from '../../src/http/gzip-member.ts';
import { readText, repoFiles } from './repo.ts';

/** Node APIs newer than 20.0 that src/ may use, with the release that added them. */
const NEWER_APIS: { api: string; pattern: RegExp; since: string }[] = [{ api: 'zlib.crc32', pattern: /\bzlib\.crc32\(/, since: '20.15.0' }];

type Version = [number, number, number];

function parseVersion(text: string): Version {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text);
  assert.ok(m, `not a version: ${text}`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

const engines = (JSON.parse(readText('package.json')) as { engines: { node: string } }).engines.node;
const enginesMin = parseVersion(/^>=(\S+)$/.exec(engines)?.[1] ?? engines);

describe('Node version', () => {
  it('package.json engines is ">=" the minimum gzip-member.ts documents', () => {
    assert.match(engines, /^>=\S+$/);
    assert.equal(compare(enginesMin, parseVersion(MIN_NODE_VERSION)), 0, `engines ${engines}, MIN_NODE_VERSION ${MIN_NODE_VERSION}`);
  });

  it('engines admits no Node older than an API src/ uses', () => {
    const sources = repoFiles().filter((f) => f.startsWith('src/') && f.endsWith('.ts'));
    let found = 0;
    for (const { api, pattern, since } of NEWER_APIS) {
      const users = sources.filter((f) => pattern.test(readText(f)));
      found += users.length;
      if (users.length > 0) assert.ok(compare(enginesMin, parseVersion(since)) >= 0, `${api} (Node ${since}, in ${users.join(', ')}) but engines ${engines}`);
    }
    assert.ok(found > 0, 'the scan finds the crc32 use it guards (else the pattern is stale)');
  });

  it('the Node running the tests has the API', () => {
    assert.equal(typeof zlib.crc32, 'function');
    assert.ok(compare(parseVersion(process.versions.node), enginesMin) >= 0);
  });
});
