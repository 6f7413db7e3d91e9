/**
 * The whole product in this process, in demo mode, as `main.ts` builds it: SseHubServer from a
 * loaded config on loopback ports 0, with its own temporary data directory, started and connected
 * to its simulator. `stop()` stops it and removes the directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type LogLevel } from '../src/config/config.ts';
import { SseHubServer } from '../src/app/server.ts';
import type { HaSimulator } from '../src/simulator/index.ts';
import { captureLogger } from './log-capture.ts';
import { childEnv } from './process-harness.ts';
import { until } from './until.ts';

export interface DemoServer {
  server: SseHubServer;
  sim: HaSimulator;
  /** `http://127.0.0.1:<LAN port>` */
  base: string;
  stop(): Promise<void>;
}

export async function startDemoServer(
  env: Record<string, string> = {},
  { logLevel = 'info', options }: { logLevel?: LogLevel; options?: ConstructorParameters<typeof SseHubServer>[2] } = {},
): Promise<DemoServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sse-hub-demo-'));
  const server = new SseHubServer(loadConfig(childEnv(dir, env)), captureLogger(logLevel).logger, options);
  await server.start();
  await until(() => server.bridge.state === 'connected', 'upstream connected', 5000);
  let stopped = false;
  return {
    server,
    sim: server.simulator!,
    base: `${server.lan.secure ? 'https' : 'http'}://127.0.0.1:${server.lan.port}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
