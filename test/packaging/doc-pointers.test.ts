/**
 * The repository explains itself: comments and documents point at files inside it
 * (docs/ARCHITECTURE.md §5.12), and every `docs/<file>.md §n` they cite names a section that exists.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ROOT, readText, repoFiles } from './repo.ts';

const TEXT = /\.(ts|js|md|json|yaml|yml)$|(^|\/)Dockerfile$/;
/** Pointers at documents that live outside the repository. */
// `../shared/<name>.ts` is src/shared/ (the leaf helpers), imported from its sibling folders.
const OUTSIDE = /\b(DESIGN|STYLE) §|\breference §|\baddon-facts\b|\.\.\/shared\/(?![\w-]+\.ts\b)|shared\/reference/;
/** `docs/x.md §5` or `docs/x.md §5.12` (several sections may follow: `§2–§4, §12`). */
const POINTER = /(docs\/[A-Za-z-]+\.md) ((?:§[\d.]+(?:[–,/ ]+)?)+)/g;

const SELF = 'test/packaging/doc-pointers.test.ts';

/** Text files of the repository, without fixtures, the lock file and this test (its patterns would match). */
function sourceFiles(): string[] {
  return repoFiles().filter(
    (f) => TEXT.test(f) && !f.startsWith('test/fixtures/') && f !== 'package-lock.json' && f !== SELF && existsSync(`${ROOT}${f}`),
  );
}

/** The section numbers a Markdown file defines: `## 5. Title` is 5; numbered items under it are 5.n. */
function sections(path: string): Set<string> {
  const found = new Set<string>();
  let current: string | undefined;
  for (const line of readText(path).split('\n')) {
    const heading = /^## (\d+)\./.exec(line);
    if (heading?.[1]) {
      current = heading[1];
      found.add(current);
      continue;
    }
    const item = /^(\d+)\. /.exec(line);
    if (item && current) found.add(`${current}.${item[1]}`);
  }
  return found;
}

describe('documentation pointers', () => {
  it('no file points at documents outside the repository', () => {
    const offenders = sourceFiles().filter((f) => OUTSIDE.test(readText(f)));
    assert.deepEqual(offenders, []);
  });

  it('every docs/… §n pointer names an existing section', () => {
    const known = new Map<string, Set<string>>();
    const broken: string[] = [];
    let pointers = 0;
    for (const file of sourceFiles()) {
      for (const match of readText(file).matchAll(POINTER)) {
        const doc = match[1]!;
        const list = match[2]!;
        if (!existsSync(`${ROOT}${doc}`)) {
          broken.push(`${file}: ${doc} does not exist`);
          continue;
        }
        if (!known.has(doc)) known.set(doc, sections(doc));
        for (const number of list.match(/§([\d.]*\d)/g) ?? []) {
          pointers += 1;
          if (!known.get(doc)!.has(number.slice(1))) broken.push(`${file}: ${doc} ${number}`);
        }
      }
    }
    assert.deepEqual(broken, []);
    assert.ok(pointers > 50, `expected the code to cite the docs, found ${pointers} pointers`);
  });
});
