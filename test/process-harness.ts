/**
 * Runs SSE Hub as a real child process for tests: a clean environment (loopback, ports 0, no
 * options file, a temporary data folder), its output collected, JSON log lines found by message
 * (other lines are skipped, so more components and more logging do not break the tests), and
 * waits bounded by timers that are always cleared.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const children = new Set<ChildProcess>();

/** Only what the process needs; nothing from the caller's environment selects a mode or an option. */
export function childEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: '0',
    INGRESS_PORT: '0',
    BIND_HOST: '127.0.0.1',
    OPTIONS_PATH: join(dir, 'no-options.json'),
    DATA_DIR: join(dir, 'data'),
    ...extra,
  };
}

export interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts Node with `args`. With `nofile`, through `sh -c 'ulimit -n <nofile>; exec node …'`, so the
 * process starts with that open-file limit, soft and hard (Node cannot raise it).
 */
export function start(args: string[], cwd: string, env: NodeJS.ProcessEnv, { nofile }: { nofile?: number } = {}): Run {
  const child =
    nofile === undefined
      ? spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', `ulimit -n ${String(nofile)} && exec "$0" "$@"`, process.execPath, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** The first JSON log line with this message; other lines (more components, more logs) are skipped. */
export function findLine(text: string, msg: string): Record<string, unknown> | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (parsed.msg === msg) return parsed;
    } catch {
      // a partial line; the next read completes it
    }
  }
  return undefined;
}

/** The promise's value, or 'timeout' after `ms`; the timer is cleared so it never holds the test runner. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function waitFor<T>(what: string, run: Run, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (run.child.exitCode !== null) assert.fail(`${what}: the process exited early (${run.child.exitCode})\n${run.stdout()}\n${run.stderr()}`);
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms\n${run.stdout()}\n${run.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The demo admin token from the human banner on stdout (src/app/banner.ts), the one place it is
 * printed: the banner follows the "SSE Hub started" log line, so this waits for it.
 */
export async function demoAdminToken(run: Run, timeoutMs = 10_000): Promise<string> {
  return waitFor('the demo banner', run, () => /^ {2}Admin token: +(\S+)$/m.exec(run.stdout())?.[1], timeoutMs);
}

/** Kills (by PID, SIGKILL) every child started here that is still running; call it from `after`. */
export function killLeftovers(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}
