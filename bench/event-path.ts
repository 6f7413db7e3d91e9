/**
 * `npm run bench -- event-path [--streams 1000,10000] [--events 20000] [--warmup 5000]`: the cost of
 * one incoming event from core's websocket frame to the routing decision and the shared frame, in
 * process and without sockets, so it is deterministic enough on a loaded machine.
 *
 * Each event runs what the product runs for it: `parseFrame` (one JSON.parse of core's text frame),
 * `parseCoreEvent`, the state cache's `apply`, `normalizeEvent`, the memory transport's
 * `publishSync`, the hub's routing walk over N streams each on its own entity filter (one match per
 * event, as the compare's selective scenario), the frame encoding, the subscriber's write into a
 * sink that only counts bytes, and the statistics (the real MetricsCollector behind the hub).
 *
 * Reported per event: CPU (process.cpuUsage, user+system, this thread and V8's helper threads) and
 * bytes allocated on the V8 heap (heap used before/after with a young generation large enough that
 * no GC runs inside the window; the run says so if one did).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parseCoreEvent, parseFrame } from '../src/ha/messages.ts';
import { normalizeEvent } from '../src/ha/normalize.ts';
import { StateCache } from '../src/ha/state-cache.ts';
import { Hub } from '../src/hub/hub.ts';
import { createFilter } from '../src/hub/filter.ts';
import type { SinkListener, StreamSink } from '../src/hub/sink.ts';
import { MetricsCollector } from '../src/metrics/collector.ts';
import { MemoryTransport } from '../src/transport/memory.ts';
import type { EventInterest, HaState, StateSource, UpstreamState, UpstreamStatus } from '../src/base/types.ts';

/** A sink that takes every frame at once and only counts (the socket write is not what is measured). */
class CountingSink implements StreamSink {
  bytes = 0;
  writes = 0;
  readonly bufferedBytes = 0;
  readonly needsDrain = false;
  closed = false;
  #listener: SinkListener | undefined;
  write(bytes: Buffer): boolean {
    this.bytes += bytes.length;
    this.writes++;
    return true;
  }
  cork(): void {}
  uncork(): void {}
  end(): void {
    this.destroy();
  }
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.#listener?.sinkClosed();
  }
  listen(listener: SinkListener): void {
    this.#listener = listener;
  }
}

const interest: EventInterest = { retain: () => () => {} };
const states: StateSource = { getStates: (): readonly HaState[] => [] };
const upstream: UpstreamStatus = { state: 'connected' as UpstreamState, onChange: () => () => {} };

/** Core's `event` message for subscription 1, as core sends it (one text frame per message). */
function coreFrame(entity: string, n: number, at: string): string {
  const state = (s: string) => ({
    entity_id: entity,
    state: s,
    attributes: { friendly_name: entity, brightness: n % 255, color_mode: 'brightness', supported_color_modes: ['brightness'] },
    last_changed: at,
    last_reported: at,
    last_updated: at,
    context: { id: `01J${String(n).padStart(23, '0')}`, parent_id: null, user_id: null },
  });
  return JSON.stringify({
    id: 1,
    type: 'event',
    event: {
      event_type: 'state_changed',
      data: { entity_id: entity, old_state: state('off'), new_state: state('on') },
      origin: 'LOCAL',
      time_fired: at,
      context: { id: `01J${String(n).padStart(23, '0')}`, parent_id: null, user_id: null },
    },
  });
}

interface Result {
  streams: number;
  cpuUsPerEvent: number;
  bytesPerEvent: number;
  gcs: number;
  delivered: number;
}

async function measure(streams: number, events: number, warmup: number): Promise<Result> {
  const transport = new MemoryTransport({ firstId: 1 });
  const collector = new MetricsCollector();
  const hub = new Hub({ transport, interest, states, upstream, observer: collector, limits: { maxClients: streams + 1, interestLingerMs: 0 } });
  await transport.start();
  await hub.start();
  const sinks: CountingSink[] = [];
  for (let i = 0; i < streams; i++) {
    const sink = new CountingSink();
    sinks.push(sink);
    const opened = hub.open({
      sink,
      user: { id: 'u', name: 'U', isAdmin: true },
      filter: createFilter(['state_changed'], [`light.e${i}`]),
      meta: { clientId: 'u', ipAddress: '127.0.0.1', userAgent: 'bench', httpVersion: '1.1', listener: 'lan' },
    });
    await opened.ready;
  }
  const cache = new StateCache();
  const at = new Date().toISOString();
  // Pre-built frames: building them is not the product's work.
  const frames = Array.from({ length: Math.min(events, 4000) }, (_, n) => coreFrame(`light.e${(n * 7919) % streams}`, n, at));
  const run = (count: number) => {
    for (let n = 0; n < count; n++) {
      const { messages } = parseFrame(frames[n % frames.length]!);
      for (const message of messages) {
        if (message.type !== 'event') continue;
        const event = parseCoreEvent(message.event);
        if (!event) continue;
        cache.apply(event);
        transport.publishSync(normalizeEvent(event, Date.now()));
      }
    }
  };
  run(warmup);
  const before = sinks.reduce((sum, s) => sum + s.writes, 0);
  (globalThis as { gc?: () => void }).gc?.();
  let gcs = 0;
  const gcWatch = new PerformanceObserver((list) => (gcs += list.getEntries().length));
  gcWatch.observe({ entryTypes: ['gc'] });
  const heap0 = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  run(events);
  const cpu = process.cpuUsage(cpu0);
  const heap1 = process.memoryUsage().heapUsed;
  await new Promise((resolve) => setImmediate(resolve)); // let the gc observer report
  gcWatch.disconnect();
  const delivered = sinks.reduce((sum, s) => sum + s.writes, 0) - before;
  await hub.stop(0);
  await transport.stop();
  return { streams, cpuUsPerEvent: (cpu.user + cpu.system) / events, bytesPerEvent: (heap1 - heap0) / events, gcs, delivered };
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { streams: { type: 'string', default: '1000,10000' }, events: { type: 'string', default: '20000' }, warmup: { type: 'string', default: '5000' } },
  });
  const counts = values.streams.split(',').map(Number);
  console.log(`\nevent path, core frame → routing → frame written to one matching stream (${values.events} events after ${values.warmup} warm-up)\n`);
  console.log('| streams | CPU µs/event | heap bytes allocated/event | GCs in window | deliveries |\n| ---: | ---: | ---: | ---: | ---: |');
  for (const streams of counts) {
    const r = await measure(streams, Number(values.events), Number(values.warmup));
    const bytes = r.gcs > 0 ? `${r.bytesPerEvent.toFixed(0)} (GC ran: underestimate)` : r.bytesPerEvent.toFixed(0);
    console.log(`| ${r.streams} | ${r.cpuUsPerEvent.toFixed(1)} | ${bytes} | ${r.gcs} | ${r.delivered} |`);
  }
}
