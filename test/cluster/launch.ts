/**
 * One cluster instance as its own process (`instance.ts` in standalone mode against a simulated
 * core, with `redis_url`), started and awaited until it has joined the Redis cluster. The cluster
 * suites each keep their own options (limits, timings) and pass them in.
 */
import { join } from 'node:path';
import { type Run, childEnv, findLine, start, waitFor } from '../process-harness.ts';

export interface ClusterInstance<Name extends string = string> {
  name: Name;
  run: Run;
  base: string;
  instanceId: string;
}

export interface LaunchOptions<Name extends string> {
  name: Name;
  /** The parent of the instance's own data folder (`<dir>/<name>`). */
  dir: string;
  core: { url: string; adminToken: string };
  redisUrl: string;
  /** Redis mode timings (`SSE_HUB_TEST_CLUSTER`, read by `instance.ts`). */
  timings: Record<string, number>;
  /** More options as environment variables (limits). */
  env?: Record<string, string>;
  /** How long to wait for the start and then for joining the cluster. Default 15 s and 5 s. */
  startMs?: number;
  joinMs?: number;
}

export async function launchInstance<Name extends string>(options: LaunchOptions<Name>): Promise<ClusterInstance<Name>> {
  const { name } = options;
  const env = childEnv(join(options.dir, name), {
    HA_URL: options.core.url,
    HA_TOKEN: options.core.adminToken,
    REDIS_URL: options.redisUrl,
    ...options.env,
    SSE_HUB_TEST_CLUSTER: JSON.stringify(options.timings),
  });
  const run = start(['--import', 'tsx', 'test/cluster/instance.ts'], process.cwd(), env);
  const started = await waitFor(`${name} started`, run, () => findLine(run.stdout(), 'SSE Hub started'), options.startMs ?? 15_000);
  await waitFor(`${name} joined`, run, () => findLine(run.stdout(), 'joined the Redis cluster'), options.joinMs ?? 5000);
  return { name, run, base: `http://127.0.0.1:${started.lanPort as number}`, instanceId: started.instanceId as string };
}
