/**
 * The repository as an add-on folder: the Supervisor finds `config.*`, `build.*` and
 * `repository.*` by recursive globs, so only the root may hold them; the store files exist; the
 * images are the generator's output; `.ci/run` is executable and runs the README's test command.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodePng, renderIcon, renderLogo, type Image } from '../../scripts/make-images.ts';
import { ROOT, gitMode, readText, repoFiles } from './repo.ts';

const files = repoFiles();

describe('add-on folder layout', () => {
  it('holds config/build/repository files only at the root', () => {
    // supervisor/store/data.py globs **/config.* (yaml/yml/json), apps/build.py **/build.* and
    // utils/common.py **/repository.*; a stray match can be taken instead of the real file.
    const addonFile = /^(config|build)\.(ya?ml|json)$/i;
    const repositoryFile = /^repository\./i;
    const strays = files.filter((path) => {
      const name = path.split('/').at(-1)!;
      return path.includes('/') && (addonFile.test(name) || repositoryFile.test(name));
    });
    assert.deepEqual(strays, []);
    for (const root of ['config.yaml', 'build.yaml', 'repository.yaml']) assert.ok(files.includes(root), root);
    // One of each: config.json next to config.yaml would be ambiguous.
    const rootNames = files.filter((f) => !f.includes('/'));
    assert.equal(rootNames.filter((f) => addonFile.test(f)).length, 2);
    assert.equal(rootNames.filter((f) => repositoryFile.test(f)).length, 1);
  });

  it('has the files the add-on store shows', () => {
    for (const file of ['README.md', 'DOCS.md', 'CHANGELOG.md', 'icon.png', 'logo.png', 'translations/en.yaml', 'Dockerfile', '.dockerignore']) {
      assert.ok(files.includes(file), `${file} is in git`);
    }
  });
});

describe('images', () => {
  const check = (file: string, expected: Image, width: number, height: number) => {
    const png = decodePng(readFileSync(`${ROOT}${file}`));
    assert.equal(png.width, width);
    assert.equal(png.height, height);
    assert.ok(Buffer.from(png.rgba).equals(Buffer.from(expected.rgba)), `${file} is not what scripts/make-images.ts draws; run it`);
  };

  it('icon.png is the generated 128x128 icon', () => check('icon.png', renderIcon(), 128, 128));
  it('logo.png is the generated 250x100 logo', () => check('logo.png', renderLogo(), 250, 100));
});

describe('CI entry and README commands', () => {
  const readme = readText('README.md');
  const ci = readText('.ci/run');
  const pkg = JSON.parse(readText('package.json')) as { scripts: Record<string, string> };

  it('.ci/run is committed executable, strict, and ends with npm ci, npm test, then the soak suites', () => {
    assert.equal(gitMode('.ci/run'), '100755');
    assert.match(ci, /^#!\/usr\/bin\/env bash\n/);
    assert.match(ci, /^set -euo pipefail$/m);
    const commands = ci
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    assert.deepEqual(commands.slice(-3), ['npm ci', 'npm test', 'npm run soak']);
  });

  it('README gives the two commands exactly, and they exist', () => {
    assert.ok(readme.includes('```sh\nnpm ci && npm run build && npm start\n```'), 'run command');
    assert.ok(readme.includes('```sh\nbash .ci/run\n```'), 'test command');
    for (const script of ['build', 'start', 'test', 'soak']) assert.ok(pkg.scripts[script], `npm script ${script}`);
    assert.equal(pkg.scripts.start, 'node --max-semi-space-size=2 dist/main.js');
  });
});
