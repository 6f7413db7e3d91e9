/**
 * Process entry: load and validate the configuration and the data directory (exit 2 with every
 * problem on failure),
 * start the server, and stop it gracefully on SIGTERM/SIGINT (exit 0).
 */
import { ConfigError, loadConfig } from './config.ts';
import { DataDirError, prepareDataDir } from './data-dir.ts';
import { SecretScrubber, createLogger } from './log.ts';
import { SseHubServer } from './server.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`SSE Hub: invalid configuration\n${err.issues.join('\n')}\n`);
      process.exit(2);
    }
    throw err;
  }
  try {
    prepareDataDir(config.dataDir);
  } catch (err) {
    if (err instanceof DataDirError) {
      process.stderr.write(`SSE Hub: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  const scrubber = new SecretScrubber();
  if (config.upstream.kind !== 'demo') scrubber.add(config.upstream.token);
  const logger = createLogger({ level: config.options.log_level, scrubber });
  for (const warning of config.warnings) logger.warn(warning);

  const server = new SseHubServer(config, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long, exiting');
      process.exit(1);
    }, 5000);
    force.unref();
    server.stop().then(
      () => {
        logger.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    await server.start();
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    await server.stop();
    process.exit(1);
  }
}

void main();
