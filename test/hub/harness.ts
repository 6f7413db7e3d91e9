/**
 * The hub on real loopback sockets without HTTP (the stream adapter without chunked coding): a
 * hub with fake Home Assistant parts, clients that parse what they receive, and cleanup. Shared by
 * the hub's test files.
 */
import { afterEach } from 'node:test';
import net from 'node:net';
import { SseSocketStream } from '../../src/http/sse-stream.ts';
import { StreamEncoder } from '../../src/http/stream-encoder.ts';
import { Hub, type OpenRequest } from '../../src/hub/hub.ts';
import type { EventFilter } from '../../src/hub/filter.ts';
import type { HubLimits } from '../../src/hub/limits.ts';
import { MemoryTransport } from '../../src/transport/memory.ts';
import type { ReplayResult } from '../../src/transport/transport.ts';
import type { HubEvent, TargetSource, User } from '../../src/base/types.ts';
import type { FakeClock } from '../metrics/helpers.ts';
import { FakeInterest, FakeStates, FakeUpstream, RecordingObserver } from './fakes.ts';
import { FrameParser } from '../sse-frames.ts';
import { keepLast } from '../transport/policies.ts';

export const ADMIN: User = { id: 'a', name: 'A', isAdmin: true };
export const USER: User = { id: 'u', name: 'U', isAdmin: false };

export function ev(entityId: string, n = 0): HubEvent {
  return {
    type: 'state_changed',
    data: { entity_id: entityId, n },
    timestamp: new Date().toISOString(),
    entityIds: [entityId],
    domains: [entityId.split('.')[0]!],
    firedAt: Date.now(),
    receivedAt: Date.now(),
  };
}

/** A client end of a loopback TCP pair whose server end is handed to the hub. */
export class Client {
  readonly parser = new FrameParser();
  ended = false;
  constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.parser.push(chunk));
    socket.on('end', () => (this.ended = true));
    socket.on('error', () => {});
  }
  get frames() {
    return this.parser.frames;
  }
  get events() {
    return this.frames.filter((f) => f.json.type === 'state_changed');
  }
  ofType(type: string) {
    return this.frames.filter((f) => f.json.type === type);
  }
}

/** A transport whose replay lets the test publish "concurrently" before and after the history snapshot. */
export class RacingTransport extends MemoryTransport {
  duringReplay: ((phase: 'before' | 'after') => Promise<void> | void) | undefined;
  override async replay(sinceId: string): Promise<ReplayResult> {
    await this.duringReplay?.('before');
    const result = await super.replay(sinceId);
    await this.duringReplay?.('after');
    return result;
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * With `clock`, the hub's time and timers (pings, sweeps, close deadlines) are the fake clock's;
 * `targets` resolves registry selectors.
 */
export async function setup(limits: Partial<HubLimits> = {}, clock?: FakeClock, recordsEverything = false, targets?: TargetSource) {
  const transport = new RacingTransport({ history: keepLast(1000), firstId: 1 });
  const interest = new FakeInterest(recordsEverything);
  const upstream = new FakeUpstream();
  const observer = new RecordingObserver();
  const states = new FakeStates();
  const hub = new Hub({
    transport,
    interest,
    upstream,
    observer,
    states,
    limits: { closeGraceMs: 200, ...limits },
    random: () => 0.5,
    now: clock?.now,
    timers: clock,
    targets,
  });
  const encoder = new StreamEncoder();
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await transport.start();
  await hub.start();
  cleanups.push(async () => {
    await hub.stop();
    await transport.stop();
    await new Promise((r) => server.close(r));
  });
  const connect = async (user: User, filter: EventFilter, extra: Partial<OpenRequest> = {}) => {
    const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
    const client = new Client(net.connect(port, '127.0.0.1'));
    const socket = await accepted;
    const meta = { clientId: user.id, ipAddress: '127.0.0.1', userAgent: 't', httpVersion: '1.1', listener: 'lan' as const };
    const opened = hub.open({ sink: new SseSocketStream(socket, encoder, false), user, filter, meta, ...extra });
    cleanups.push(() => void client.socket.destroy());
    return { client, opened, socket };
  };
  return { hub, transport, interest, upstream, observer, states, connect };
}


