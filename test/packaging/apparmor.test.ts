/**
 * `apparmor.txt`, the add-on's AppArmor profile: Debian's `apparmor_parser` compiles it without
 * loading it into a kernel (`-Q`: everything but the load; `-K -T`: no cache), and refuses a
 * broken copy; the Supervisor's own rule finds exactly one profile in it (supervisor/utils/apparmor.py
 * `get_profile_name`: one line `profile <name> …`); and its rules let the service do what the
 * image and config.yaml make it do: tini starting node, the backup hooks (`node
 * /app/dist/backup/hook.js pre|post` writing /data), the HEALTHCHECK's curl, SQLite in /data,
 * the native module under /app, while /app stays read-only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT, readText, readYaml } from './repo.ts';

/** Debian's apparmor package (`.ci/run` installs it). */
const PARSER = '/sbin/apparmor_parser';
const scratch = mkdtempSync(join(tmpdir(), 'sse-hub-apparmor-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Compiles a profile file without a kernel; the parser's notice that there is no kernel interface is not a problem. */
function compile(path: string): { status: number | null; problems: string[] } {
  const run = spawnSync(PARSER, ['--skip-kernel-load', '--skip-cache', '--skip-read-cache', path], { encoding: 'utf8' });
  if (run.error) throw new Error(`${PARSER} could not run (Debian package "apparmor"): ${run.error.message}`);
  const problems = `${run.stdout}${run.stderr}`
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('Cache read/write disabled'));
  return { status: run.status, problems };
}

interface Rule {
  deny: boolean;
  owner: boolean;
  pattern: RegExp;
  perms: string;
}

/** AppArmor path globs as regular expressions: `**` crosses `/`, `*` does not, `{a,b}` alternates. */
function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '{') out += '(?:';
    else if (c === '}') out += ')';
    else if (c === ',') out += '|';
    else out += c.replace(/[.+?^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** The file rules with literal paths and globs (rules using @{variables} are left out). */
function fileRules(profile: string): Rule[] {
  const rules: Rule[] = [];
  for (const raw of profile.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const rule = /^(deny\s+)?(owner\s+)?(\/\S*)\s+([rwklmix]+),$/.exec(line);
    if (rule) rules.push({ deny: Boolean(rule[1]), owner: Boolean(rule[2]), pattern: globToRegExp(rule[3]!), perms: rule[4]! });
  }
  return rules;
}

/** True when every permission in `perms` is allowed on `path` and none is denied. */
function allows(rules: Rule[], path: string, perms: string): boolean {
  const matching = rules.filter((r) => r.pattern.test(path));
  return [...perms].every((p) => matching.some((r) => !r.deny && r.perms.includes(p)) && !matching.some((r) => r.deny && r.perms.includes(p)));
}

describe('apparmor.txt', () => {
  const profile = readText('apparmor.txt');

  it('compiles with apparmor_parser (no kernel load), which refuses a broken copy', () => {
    assert.deepEqual(compile(join(ROOT, 'apparmor.txt')), { status: 0, problems: [] });
    const broken = join(scratch, 'broken.txt');
    writeFileSync(broken, profile.replace('network inet stream,', 'network inet stream'));
    const refused = compile(broken);
    assert.notEqual(refused.status, 0);
    assert.match(refused.problems.join('\n'), /syntax error/);
  });

  it('holds exactly one profile, found by the Supervisor rule and by the parser', () => {
    const names = [...profile.matchAll(/^profile ([^ ]+).*$/gm)].map((m) => m[1]);
    assert.deepEqual(names, ['sse_hub'], 'one top-level `profile <name>` line (the Supervisor renames it to the installed slug)');
    const listed = spawnSync(PARSER, ['--names', join(ROOT, 'apparmor.txt')], { encoding: 'utf8' });
    assert.equal(listed.stdout.trim(), 'sse_hub');
    assert.match(profile, /flags=\(attach_disconnected,mediate_deleted\)/, 'Docker containers need both flags');
  });

  it('lets the service, its backup hooks and the health check do their work, and keeps /app read-only', () => {
    const rules = fileRules(profile);
    const config = readYaml('config.yaml');
    const dockerfile = readText('Dockerfile');
    // What runs: tini (config.yaml keeps init: true), the Dockerfile's CMD, the hooks, the HEALTHCHECK through sh.
    assert.equal(config.init, undefined, 'init stays at its default: Docker tini is PID 1');
    assert.match(dockerfile, /^CMD \["node", /m);
    assert.match(dockerfile, /CMD curl /);
    for (const hook of [config.backup_pre, config.backup_post]) {
      const [program, script] = String(hook).split(' ');
      assert.equal(program, 'node', `${String(hook)} runs node`);
      assert.ok(allows(rules, String(script), 'r'), `${String(script)} is readable`);
    }
    for (const program of ['/sbin/docker-init', '/usr/bin/node', '/bin/busybox', '/usr/bin/curl']) assert.ok(allows(rules, program, 'ix'), `${program} may run`);
    for (const program of ['/bin/bash', '/usr/bin/apk', '/usr/bin/wget', '/app/dist/main.js']) assert.ok(!allows(rules, program, 'x'), `${program} may not run`);
    // Data: SQLite with its WAL and shared-memory index, options, demo tokens, the backup pause file.
    for (const file of ['/data/metrics.db', '/data/metrics.db-wal', '/data/metrics.db-shm', '/data/metrics.db.backup-pause', '/data/demo-tokens.json']) {
      assert.ok(allows(rules, file, 'rwk'), `${file} read-write with locks`);
    }
    assert.ok(allows(rules, '/data/options.json', 'r'));
    // The application: readable, its native module mappable, nothing writable.
    for (const file of ['/app/dist/main.js', '/app/package.json', '/app/node_modules/koa/package.json']) assert.ok(allows(rules, file, 'r'), file);
    assert.ok(allows(rules, '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'mr'));
    for (const file of ['/app/dist/main.js', '/usr/bin/node', '/etc/passwd', '/etc/resolv.conf']) assert.ok(!allows(rules, file, 'w'), `${file} is not writable`);
    assert.ok(!allows(rules, '/app/dist/main.js', 'm'), 'application code is not mapped executable');
    assert.ok(!allows(rules, '/config/configuration.yaml', 'r'), "Home Assistant's configuration is out of reach");
    // Network: TCP (listeners, Supervisor, core, Redis) and UDP (DNS), nothing raw.
    for (const rule of ['network inet stream,', 'network inet dgram,']) assert.ok(profile.includes(rule), rule);
    assert.doesNotMatch(profile, /^\s*network,|network (inet|inet6|packet) raw|^\s*capability|^\s*file,|ptrace \(trace/m);
  });
});
