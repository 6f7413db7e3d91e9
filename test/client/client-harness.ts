/**
 * Shared parts of the client tests: an in-process SseHubServer in demo mode on a fixed loopback
 * port (so a client keeps its URL across a listener restart) and a fetch that records requests
 * and responses (fake timers: `test/fake-clock.ts`).
 */
import { createServer } from 'node:net';
import type { FetchLike } from '../../src/web/client/stream.ts';
import { type DemoServer as BaseDemoServer, startDemoServer as startBaseDemoServer } from '../demo-server.ts';

/** A port that was free a moment ago (bind 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface DemoServer extends BaseDemoServer {
  port: number;
}

/** SseHubServer as main.ts builds it (`test/demo-server.ts`), simulator activity off, LAN on a fixed port. */
export async function startDemoServer(env: Record<string, string> = {}): Promise<DemoServer> {
  const port = await freePort();
  const demo = await startBaseDemoServer(
    { DEMO_EVENT_RATE: '0', STREAM_LIMIT: '1000', PORT: String(port), ...env },
    { logLevel: 'warning', options: { ha: { connection: { backoffBaseMs: 50, backoffCapMs: 200 } }, shutdownGraceMs: 200 } },
  );
  return { ...demo, port };
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
