/**
 * config.yaml, build.yaml and repository.yaml pass the add-on linter's schemas and rules, and the
 * add-on-specific choices hold (ingress, APIs, ports, arches). The checker itself is exercised on
 * broken copies so a silent checker cannot pass.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lintBuild, lintConfig } from './addon-lint.ts';
import { readYaml } from './repo.ts';

const config = readYaml('config.yaml');
const build = readYaml('build.yaml');

describe('config.yaml', () => {
  it('passes the linter schema and rules with no errors or warnings', () => {
    assert.deepEqual(lintConfig(config), { errors: [], warnings: [] });
  });

  it('describes SSE Hub for aarch64 and amd64 with ingress and the Core APIs', () => {
    assert.equal(config.name, 'SSE Hub');
    // The version itself is held to package.json and CHANGELOG.md by release.test.ts.
    assert.match(String(config.version), /^\d+\.\d+\.\d+$/);
    assert.equal(config.slug, 'sse_hub');
    assert.deepEqual(config.arch, ['aarch64', 'amd64']);
    assert.equal(config.ingress, true);
    assert.equal(config.homeassistant_api, true);
    assert.equal(config.hassio_api, true);
    assert.match(String(config.panel_icon), /^mdi:[a-z0-9-]+$/);
    assert.equal(typeof config.panel_title, 'string');
    assert.match(String(config.url), /^https:\/\//);
    assert.deepEqual(config.ports, { '3000/tcp': 3000 });
    assert.ok(!('ingress_port' in config), 'the ingress port stays at its default 8099');
    for (const key of ['watchdog', 'webui', 'image']) assert.ok(!(key in config), `${key} must not be set`);
  });

  it('never publishes the ingress port on the host', () => {
    const ingressPort = Number(config.ingress_port ?? 8099);
    assert.ok(!Object.keys(config.ports as object).some((k) => Number.parseInt(k, 10) === ingressPort));
  });
});

describe('build.yaml', () => {
  it('passes the linter schema and rules', () => {
    assert.deepEqual(lintBuild(build), { errors: [], warnings: [] });
  });

  it('builds every arch of config.yaml from the pinned 3.24 base image', () => {
    const from = build.build_from as Record<string, string>;
    assert.deepEqual(Object.keys(from).sort(), [...(config.arch as string[])].sort());
    for (const [arch, image] of Object.entries(from)) assert.equal(image, `ghcr.io/home-assistant/${arch}-base:3.24`);
  });
});

describe('repository.yaml', () => {
  it('has the keys the Supervisor reads: a name, a valid URL and a maintainer', () => {
    const repository = readYaml('repository.yaml');
    assert.equal(typeof repository.name, 'string');
    assert.ok((repository.name as string).length > 0);
    assert.equal(new URL(String(repository.url)).protocol, 'https:');
    assert.equal(typeof repository.maintainer, 'string');
    assert.deepEqual(Object.keys(repository).sort(), ['maintainer', 'name', 'url']);
  });
});

describe('the linter port itself', () => {
  const broken = (patch: Record<string, unknown>) => lintConfig({ ...config, ...patch });

  it('reports keys at their default value, also nested ones', () => {
    assert.ok(broken({ ingress_port: 8099 }).errors.some((e) => e.startsWith('ingress_port:')));
    assert.ok(broken({ init: true }).errors.some((e) => e.startsWith('init:')));
    assert.ok(broken({ hassio_role: 'default' }).errors.some((e) => e.startsWith('hassio_role:')));
    const nested = lintBuild({ build_from: { amd64: 'homeassistant/amd64-base:latest' } });
    assert.ok(nested.errors.some((e) => e.startsWith('build_from.amd64:')));
  });

  it('reports unknown keys, wrong types and the extra rules', () => {
    assert.ok(broken({ frobnicate: true }).errors.length > 0);
    assert.ok(broken({ ports: { '3000/tcp': 70000 } }).errors.length > 0);
    assert.ok(broken({ watchdog: 'http://[HOST]:[PORT:3000]/healthz' }).errors.some((e) => e.includes('watchdog')));
    assert.ok(broken({ webui: 'http://[HOST]:[PORT:3000]/' }).errors.some((e) => e.includes('webui')));
    assert.ok(broken({ ingress_port: 0 }).errors.some((e) => e.includes('ingress_port')));
    assert.deepEqual(broken({ ingress_port: 0, host_network: true }).errors, []);
    assert.ok(broken({ auto_uart: true }).errors.some((e) => e.includes('auto_uart')));
    assert.ok(broken({ codenotary: 'me@example.com' }).errors.some((e) => e.includes('codenotary')));
    assert.ok(broken({ advanced: true }).errors.some((e) => e.includes('advanced')));
    assert.deepEqual(broken({ arch: ['amd64', 'armv7'] }).warnings, ["arch 'armv7' is deprecated"]);
    assert.ok(lintBuild({ ...build, squash: true }).errors.some((e) => e.includes('squash')));
    assert.ok(lintBuild({ ...build, codenotary: { signer: 'me@example.com' } }).errors.length > 0);
  });

  it('treats true as equal to 1 like Python does', () => {
    // `timeout` defaults to 10; a boolean default compared with 1/0 is what Python's == does.
    assert.ok(broken({ timeout: 10 }).errors.some((e) => e.startsWith('timeout:')));
    assert.ok(broken({ stdin: 0 }).errors.some((e) => e.startsWith('stdin:')));
  });
});
