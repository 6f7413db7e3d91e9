/**
 * Process entry: load and validate the configuration (exit 2 with every problem on failure),
 * check the data directory (exit 2 when it cannot be created or written), print `--help`, start
 * the server (demo mode: a banner with URLs and tokens; a port in use: one line
 * and exit 1; an unusable TLS certificate: one line and exit 2), and stop it gracefully on SIGTERM/SIGINT/SIGHUP (exit 0).
 */
import { ConfigError, loadConfig } from './config/config.ts';
import { DataDirError, ensureDataDir } from './base/data-dir.ts';
import { helpText } from './app/help.ts';
import { demoBanner } from './app/banner.ts';
import { DEMO_TOKENS_FILE } from './app/demo-tokens.ts';
import { join } from 'node:path';
import { SecretScrubber, createLogger } from './base/log.ts';
import { SseHubServer } from './app/server.ts';
import { TlsCertificateError } from './http/tls-certificate.ts';

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(helpText());
    process.exit(0);
  }
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
    ensureDataDir(config.dataDir);
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
  // The demo tokens belong in the banner only; a log line that carried one would show it redacted.
  scrubber.add(server.simulator?.adminToken);
  scrubber.add(server.simulator?.userToken);
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
  process.on('SIGHUP', () => shutdown('SIGHUP'));

  try {
    await server.start();
  } catch (err) {
    await server.stop();
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof TlsCertificateError) {
      // Exit 2 like any configuration problem: restarting would not help.
      process.stderr.write(`SSE Hub: cannot serve HTTPS: ${err.message}\n`);
      logger.flush?.();
      process.exit(2);
    } else if (code === 'EADDRINUSE' || code === 'EACCES') {
      const { address, port } = err as { address?: string; port?: number };
      const why = code === 'EADDRINUSE' ? 'is already in use' : 'may not be used by this user';
      process.stderr.write(`SSE Hub: port ${String(port ?? '?')} on ${address ?? config.bindHost} ${why}; choose another with PORT / INGRESS_PORT (or the add-on's Network tab).\n`);
    } else {
      logger.fatal({ err }, 'failed to start');
    }
    logger.flush?.();
    process.exit(1);
  }
  if (server.simulator) {
    process.stdout.write(
      demoBanner({
        bindHost: config.bindHost,
        lanPort: server.lan.port,
        lanTls: server.lan.secure,
        ingressPort: server.ingress.port,
        adminToken: server.simulator.adminToken,
        userToken: server.simulator.userToken,
        tokensPath: join(config.dataDir, DEMO_TOKENS_FILE),
        simulatorUrl: server.simulator.url,
      }),
    );
  }
}

void main();
