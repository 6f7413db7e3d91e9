/**
 * The Dockerfile, checked structurally (no Docker engine here): the base-image argument, a build
 * stage with the toolchain, `npm ci` and the TypeScript build, a runtime stage with production
 * modules only, a HEALTHCHECK on /healthz, and an entry consistent with config.yaml's `init`.
 * Also: every COPY source exists and survives .dockerignore.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { ROOT, gitMode, readText, readYaml, repoFiles } from './repo.ts';

interface Instruction {
  op: string;
  args: string;
}

interface Stage {
  base: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions with line continuations joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && pending === '')) continue;
    if (trimmed.endsWith('\\')) {
      pending += `${trimmed.slice(0, -1)} `;
      continue;
    }
    const full = (pending + trimmed).trim();
    pending = '';
    if (!full) continue;
    const [op = '', ...rest] = full.split(/\s+/);
    out.push({ op: op.toUpperCase(), args: rest.join(' ') });
  }
  return out;
}

function stagesOf(instructions: Instruction[]): { preamble: Instruction[]; stages: Stage[] } {
  const preamble: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      assert.ok(m, `cannot read FROM ${ins.args}`);
      stages.push({ base: m[1]!, name: m[2], instructions: [] });
    } else if (stages.length === 0) preamble.push(ins);
    else stages.at(-1)!.instructions.push(ins);
  }
  return { preamble, stages };
}

const dockerfile = parseDockerfile(readText('Dockerfile'));
const { preamble, stages } = stagesOf(dockerfile);
const config = readYaml('config.yaml');

/** A stage and the stages it is built FROM, nearest first. */
function lineage(stage: Stage): Stage[] {
  const chain = [stage];
  let current = stage;
  for (;;) {
    const parent = stages.find((s) => s.name === current.base);
    if (!parent) return chain;
    chain.push(parent);
    current = parent;
  }
}

const runs = (chain: Stage[]) => chain.flatMap((s) => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args));
const apkAdded = (chain: Stage[]) =>
  runs(chain).flatMap((run) =>
    [...run.matchAll(/apk add ([^&;|]+)/g)].flatMap((m) => m[1]!.split(/\s+/).filter((w) => w && !w.startsWith('-'))),
  );
/** Package names without their version constraint (`nodejs~24` → `nodejs`). */
const names = (packages: string[]) => packages.map((p) => p.split(/[~=<>]/)[0]!);

const runtime = stages.at(-1)!;
const runtimeChain = lineage(runtime);
const TOOLCHAIN = ['npm', 'python3', 'make', 'g++', 'gcc', 'build-base'];

describe('Dockerfile', () => {
  it('takes BUILD_FROM with the pinned multi-arch base as default', () => {
    assert.deepEqual(preamble, [{ op: 'ARG', args: 'BUILD_FROM=ghcr.io/home-assistant/base:3.24' }]);
    assert.match(stages[0]!.base, /^\$\{?BUILD_FROM\}?$/);
  });

  it('has a build stage with the toolchain, npm ci, the TypeScript build and a production prune', () => {
    const build = stages.find((s) => runs([s]).some((r) => r.includes('npm run build')));
    assert.ok(build, 'a stage runs npm run build');
    const chain = lineage(build);
    const allRuns = runs(chain).join('\n');
    assert.match(allRuns, /apk add --no-cache --virtual \S+/);
    for (const pkg of ['nodejs', 'npm', 'python3', 'make', 'g++']) assert.ok(names(apkAdded(chain)).includes(pkg), `build stage installs ${pkg}`);
    assert.match(allRuns, /\bnpm ci\b/);
    assert.match(allRuns, /npm prune --omit=dev|npm ci --omit=dev/);
    const scripts = (JSON.parse(readText('package.json')) as { scripts: Record<string, string> }).scripts;
    assert.equal(
      scripts.build,
      'tsc -p tsconfig.build.json && node --import tsx scripts/build-client.ts && node --import tsx scripts/build-panel.ts',
    );
    for (const script of ['scripts/build-client.ts', 'scripts/build-panel.ts']) assert.match(readText('Dockerfile'), new RegExp(`COPY [^\n]*${script}`), `the build stage copies ${script}`);
    assert.notEqual(build, runtime, 'the runtime is a separate stage');
  });

  it('runs the compiled code with production modules only: no npm, no compiler, no sources', () => {
    const added = names(apkAdded(runtimeChain));
    assert.ok(added.includes('nodejs'), 'runtime has nodejs');
    for (const tool of TOOLCHAIN) assert.ok(!added.includes(tool), `runtime must not install ${tool}`);
    assert.ok(!runs(runtimeChain).some((r) => /\bnpm\b/.test(r)), 'runtime runs no npm');
    const copies = runtime.instructions.filter((i) => i.op === 'COPY').map((i) => i.args);
    const build = stages.find((s) => runs([s]).some((r) => r.includes('npm run build')))!;
    assert.ok(copies.some((c) => c.startsWith(`--from=${build.name} `) && /node_modules/.test(c)), 'node_modules from the build stage');
    assert.ok(copies.some((c) => c.startsWith(`--from=${build.name} `) && /\/dist\b/.test(c)), 'dist from the build stage');
    assert.ok(!copies.some((c) => !c.startsWith('--from=')), 'nothing copied from the context into the runtime');
    const env = runtime.instructions.filter((i) => i.op === 'ENV').map((i) => i.args);
    assert.ok(env.includes('NODE_ENV=production'));
  });

  it('pins the Node major (the socket takeover relies on a Node internal), one package.json engines admits', () => {
    const pins = apkAdded(runtimeChain).filter((p) => p.startsWith('nodejs'));
    assert.equal(pins.length, 1);
    const m = /^nodejs~(\d+)$/.exec(pins[0]!);
    assert.ok(m, `nodejs is installed as nodejs~<major>, not ${pins[0]}`);
    const engines = (JSON.parse(readText('package.json')) as { engines: { node: string } }).engines.node;
    const min = /^>=(\d+)(?:\.\d+){0,2}$/.exec(engines);
    assert.ok(min && Number(m[1]) >= Number(min[1]), `engines ${engines} admits Node ${m[1]}`);
  });

  it('checks health with curl on /healthz of the LAN port', () => {
    const checks = runtimeChain.flatMap((s) => s.instructions.filter((i) => i.op === 'HEALTHCHECK'));
    assert.equal(checks.length, 1);
    const m = /CMD curl .*http:\/\/(?:localhost|127\.0\.0\.1):(\d+)\/healthz\b/.exec(checks[0]!.args);
    assert.ok(m, `HEALTHCHECK must curl /healthz: ${checks[0]!.args}`);
    // With `ssl` on the same port answers only HTTPS: the check must try that too.
    assert.ok(checks[0]!.args.includes(`https://127.0.0.1:${m[1]}/healthz`), `HEALTHCHECK must also try https: ${checks[0]!.args}`);
    const port = Number(m[1]);
    // The port the process listens on by default (PORT) is the container port config.yaml publishes.
    assert.equal(port, loadConfig({ OPTIONS_PATH: `${ROOT}does-not-exist.json` }).port);
    assert.ok(Object.keys(config.ports as object).includes(`${port}/tcp`));
  });

  it('starts the same file as npm start, with an entry consistent with config.yaml init', () => {
    const entry = runtimeChain.flatMap((s) => s.instructions.filter((i) => i.op === 'ENTRYPOINT')).at(0);
    const cmd = runtimeChain.flatMap((s) => s.instructions.filter((i) => i.op === 'CMD')).at(0);
    const pkg = JSON.parse(readText('package.json')) as { scripts: Record<string, string> };
    const s6Runs = repoFiles().filter((f) => /^rootfs\/etc\/s6-overlay\/s6-rc\.d\/[^/]+\/(run|finish)$/.test(f));

    if (entry?.args === '[]') {
      // Plain process: Docker's init (tini) must be PID 1, so `init` stays true (its default, not written).
      assert.notEqual(config.init, false, 'ENTRYPOINT [] needs init: true (the default)');
      assert.ok(cmd, 'a CMD starts the process');
      const argv = JSON.parse(cmd.args) as string[];
      assert.deepEqual(argv, pkg.scripts.start!.split(' '), 'CMD runs what `npm start` runs');
      assert.deepEqual(s6Runs, [], 'no s6 services when s6 is not the entrypoint');
    } else {
      // s6-overlay's /init from the base image: Docker's init must be off and a service must exist.
      assert.equal(entry, undefined, 'either clear the ENTRYPOINT or keep the base image one');
      assert.equal(config.init, false, 's6-overlay needs init: false');
      assert.ok(s6Runs.length > 0, 'an s6 service run script');
      for (const file of s6Runs) {
        assert.equal(gitMode(file), '100755', `${file} must be committed executable`);
        assert.match(readText(file), /^#!\/command\/with-contenv bashio\n/);
      }
    }
  });

  it('labels the image io.hass.*', () => {
    const labels = runtimeChain.flatMap((s) => s.instructions.filter((i) => i.op === 'LABEL').map((i) => i.args)).join(' ');
    for (const label of ['io.hass.type', 'io.hass.arch', 'io.hass.version', 'io.hass.name']) assert.ok(labels.includes(`${label}=`), label);
  });

  it('copies only sources that exist and that .dockerignore lets through', () => {
    const ignored = readText('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const must of ['node_modules', 'dist', 'data', 'test', 'bench', '.git', '.ci', 'docs']) {
      assert.ok(ignored.includes(must), `.dockerignore must list ${must}`);
    }
    const sources = stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    assert.ok(sources.length > 0);
    for (const source of sources) {
      const path = source.replace(/^\.\//, '').replace(/\/$/, '');
      assert.ok(existsSync(`${ROOT}${path}`), `COPY source ${path} exists`);
      assert.ok(!ignored.some((pattern) => pattern === path || pattern === `${path}/`), `${path} is not dockerignored`);
      if (statSync(`${ROOT}${path}`).isFile()) assert.ok(repoFiles().includes(path), `${path} is in git`);
    }
  });
});
