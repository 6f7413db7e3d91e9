/**
 * The release rules of docs/releasing.md: config.yaml (what the Supervisor shows and offers as an
 * update) and package.json (with package-lock.json's copies) carry the same version, CHANGELOG.md
 * has a dated section for it under an "Unreleased" section, and the link references at the end
 * point at the tags.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readText, readYaml } from './repo.ts';

const SEMVER = /^\d+\.\d+\.\d+$/;
const config = readYaml('config.yaml');
const version = String(config.version);
const pkg = JSON.parse(readText('package.json')) as { version: string };
const lock = JSON.parse(readText('package-lock.json')) as { version: string; packages: Record<string, { version?: string }> };
const changelog = readText('CHANGELOG.md');
const headings = [...changelog.matchAll(/^## \[([^\]]+)\](?: - (\S+))?$/gm)].map((m) => ({ name: m[1]!, date: m[2] }));

describe('release versioning', () => {
  it('config.yaml holds a semantic version, quoted so YAML keeps it a string', () => {
    assert.match(version, SEMVER);
    assert.match(readText('config.yaml'), new RegExp(`^version: "${version.replaceAll('.', '\\.')}"$`, 'm'));
  });

  it('package.json and package-lock.json carry the same version as config.yaml', () => {
    assert.equal(pkg.version, version, 'package.json');
    assert.equal(lock.version, version, 'package-lock.json version');
    assert.equal(lock.packages['']?.version, version, 'package-lock.json packages[""].version');
  });

  it('CHANGELOG.md opens with "Unreleased", then a dated section for this version', () => {
    assert.equal(headings[0]?.name, 'Unreleased');
    assert.equal(headings[0]?.date, undefined);
    assert.equal(headings[1]?.name, version, 'the newest release section is the version in config.yaml');
    assert.match(headings[1]?.date ?? '', /^\d{4}-\d{2}-\d{2}$/);
  });

  it('release sections are newest first, each dated and named once', () => {
    const releases = headings.slice(1);
    for (const release of releases) assert.match(release.name, SEMVER);
    const parsed = releases.map((r) => r.name.split('.').map(Number));
    for (let i = 1; i < parsed.length; i++) {
      const [a, b] = [parsed[i - 1]!, parsed[i]!];
      const newer = a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
      assert.ok(newer > 0, `${releases[i - 1]!.name} comes before ${releases[i]!.name}`);
    }
    const dates = releases.map((r) => r.date!);
    assert.deepEqual(dates, [...dates].sort().reverse(), 'dates descend with the versions');
  });

  it('the link references name every section and compare against the tags', () => {
    const links = new Map([...changelog.matchAll(/^\[([^\]]+)\]: (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    assert.deepEqual([...links.keys()], headings.map((h) => h.name));
    assert.match(links.get('Unreleased')!, new RegExp(`/compare/v${version.replaceAll('.', '\\.')}\\.\\.\\.HEAD$`));
  });
});
