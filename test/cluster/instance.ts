/**
 * One product process for the Redis mode tests: main.ts's composition (config from the
 * environment, JSON logs on stdout) with the Redis timings shortened through
 * `SSE_HUB_TEST_CLUSTER` (JSON `ClusterTimings`), which main.ts has no option for.
 */
import { loadConfig } from '../../src/config/config.ts';
import { SecretScrubber, createLogger } from '../../src/base/log.ts';
import { SseHubServer } from '../../src/app/server.ts';

const config = loadConfig();
const scrubber = new SecretScrubber();
if (config.upstream.kind !== 'demo') scrubber.add(config.upstream.token);
const logger = createLogger({ level: 'info', scrubber });
const server = new SseHubServer(config, logger, {
  cluster: JSON.parse(process.env.SSE_HUB_TEST_CLUSTER ?? '{}') as object,
  shutdownGraceMs: 200,
});
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
server.start().catch((err: unknown) => {
  logger.fatal({ err }, 'failed to start');
  process.exit(1);
});
