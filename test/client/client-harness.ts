/**
 * Shared parts of the client tests: an in-process SseHubServer in demo mode on a fixed loopback
 * port (so a client keeps its URL across a listener restart) and a fetch that records requests
 * and responses (fake timers: `test/fake-clock.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.ts';
import type { HaSimulator } from '../../src/simulator/index.ts';
import { SseHubServer } from '../../src/app/server.ts';
import type { FetchLike } from '../../src/web/client/stream.ts';
import { captureLogger } from '../log-capture.ts';
import { childEnv } from '../process-harness.ts';
import { until } from '../until.ts';

/** A port that was free a moment ago (bind 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface DemoServer {
  server: SseHubServer;
  sim: HaSimulator;
  base: string;
  port: number;
  stop(): Promise<void>;
}

/** SseHubServer as main.ts builds it, demo mode, simulator activity off, LAN on a fixed port. */
export async function startDemoServer(env: Record<string, string> = {}): Promise<DemoServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sse-hub-client-'));
  const port = await freePort();
  const config = loadConfig(childEnv(dir, { DEMO_EVENT_RATE: '0', STREAM_LIMIT: '1000', PORT: String(port), ...env }));
  const server = new SseHubServer(config, captureLogger('warning').logger, {
    ha: { connection: { backoffBaseMs: 50, backoffCapMs: 200 } },
    shutdownGraceMs: 200,
  });
  await server.start();
  const sim = server.simulator!;
  await until(() => server.bridge.state === 'connected', 'upstream connected', 5000);
  return {
    server,
    sim,
    port,
    base: `http://127.0.0.1:${port}`,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RecordedRequest {
  url: string;
  headers: Record<string, string>;
  status?: number;
  retryAfter?: string | null;
  contentEncoding?: string | null;
}

/** The platform's fetch, recording every request the client makes and the status it got. */
export function recordingFetch(): { fetch: FetchLike; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fetchFn: FetchLike = async (input, init) => {
    const record: RecordedRequest = { url: input, headers: { ...init.headers } };
    requests.push(record);
    const res = await fetch(input, init);
    record.status = res.status;
    record.retryAfter = res.headers.get('Retry-After');
    record.contentEncoding = res.headers.get('Content-Encoding');
    return res as unknown as Awaited<ReturnType<FetchLike>>;
  };
  return { fetch: fetchFn, requests };
}
