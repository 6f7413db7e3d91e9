/**
 * `npm run bench -- replay-memory [--events 6000]`: what the replay history costs per 1000 held
 * events, for two kinds of state change (the fixture light with colour attributes, and a plain
 * temperature sensor), measured as V8 heap growth after a full GC:
 *
 * - `objects`: the history before 0.2.0, a ring of the parsed event objects (as they arrive from
 *   Home Assistant's websocket, one object graph each);
 * - `objects+frames`: the same plus each event's encoded SSE frame, which the hub's frame cache
 *   kept alive as long as the ring held the event (any stream received it);
 * - `text`: the 0.2.0 memory transport (`MemoryTransport`, default policy), one JSON string each;
 *   next to it the bytes the `replay_buffer_mb` budget counts for the same events;
 * - `redis`: the Redis stream (`MEMORY USAGE <key> SAMPLES 0`) after the Redis transport appended
 *   them, next to the bytes the budget counts there.
 *
 * Each figure comes from its own child process (clean baseline); Redis is a local redis-server on a
 * free loopback port. Stops what it started.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { normalizeEvent } from '../src/ha/normalize.ts';
import type { CoreEvent } from '../src/ha/messages.ts';
import { encodeFrame, eventPayload } from '../src/hub/frame.ts';
import type { HubEvent, StampedEvent } from '../src/base/types.ts';
import { MemoryTransport } from '../src/transport/memory.ts';
import { RedisTransport } from '../src/transport/redis.ts';
import { redisClient } from '../src/transport/redis-client.ts';
import { TestRedis } from '../test/redis-server.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heap(): number {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

const lightFixture = (JSON.parse(readFileSync(new URL('../test/fixtures/ha-ws/event_state_changed.json', import.meta.url), 'utf8')) as { event: CoreEvent }).event;

/** The wire text of the i-th core event of a kind: each one different, as a real home's are. */
function wire(kind: 'light' | 'sensor', i: number): string {
  const at = new Date(1_800_000_000_000 + i * 100).toISOString();
  if (kind === 'light') {
    const event = structuredClone(lightFixture) as unknown as { data: Record<string, Record<string, unknown>>; time_fired: string; context: { id: string } };
    event.data.entity_id = `light.room_${i % 40}` as never;
    event.data.new_state!.entity_id = event.data.entity_id;
    (event.data.new_state!.attributes as Record<string, unknown>).brightness = i % 255;
    event.data.new_state!.last_changed = at;
    event.data.new_state!.last_updated = at;
    event.time_fired = at;
    event.context.id = `01K${String(i).padStart(23, '0')}`;
    return JSON.stringify(event);
  }
  const state = (value: string) => ({
    entity_id: `sensor.room_${i % 40}_temperature`,
    state: value,
    attributes: { state_class: 'measurement', unit_of_measurement: '°C', device_class: 'temperature', friendly_name: `Room ${i % 40} Temperature` },
    last_changed: at,
    last_reported: at,
    last_updated: at,
    context: { id: `01K${String(i).padStart(23, '0')}`, parent_id: null, user_id: null },
  });
  return JSON.stringify({
    event_type: 'state_changed',
    data: { entity_id: `sensor.room_${i % 40}_temperature`, old_state: state((20 + (i % 7) / 10).toFixed(1)), new_state: state((20 + (i % 9) / 10).toFixed(1)) },
    origin: 'LOCAL',
    time_fired: at,
    context: { id: `01K${String(i).padStart(23, '0')}`, parent_id: null, user_id: null },
  });
}

/** Fresh event objects, parsed from their own wire text like the bridge's. */
function events(kind: 'light' | 'sensor', n: number): HubEvent[] {
  return Array.from({ length: n }, (_, i) => normalizeEvent(JSON.parse(wire(kind, i)) as CoreEvent, 1_800_000_000_000 + i * 100));
}

const per1000 = (bytes: number, n: number) => Math.round((bytes / n) * 1000).toLocaleString('en');

type Variant = 'objects' | 'frames' | 'text' | 'redis';
type Kind = 'light' | 'sensor';

/** Heap growth (or Redis memory) for `n` held events of one variant, with the bytes the budget counts. */
async function measure(variant: Variant, kind: Kind, n: number, redisUrl: string): Promise<{ bytes: number; counted?: number; held: number }> {
  events(kind, 10); // compile and warm the paths before the baseline
  const base = heap();
  if (variant === 'objects' || variant === 'frames') {
    const ring = events(kind, n).map((event, i) => {
      const stamped: StampedEvent = { id: String(i), event };
      return variant === 'frames' ? [stamped, encodeFrame({ id: stamped.id, data: eventPayload(event) })] : stamped;
    });
    const bytes = heap() - base;
    return { bytes, held: ring.length };
  }
  if (variant === 'text') {
    // Events are created one by one and dropped after publishing, as the bridge's are.
    const transport = new MemoryTransport();
    await transport.start();
    for (let i = 0; i < n; i++) transport.publishSync(normalizeEvent(JSON.parse(wire(kind, i)) as CoreEvent, Date.now()));
    const bytes = heap() - base;
    const window = transport.window();
    await transport.stop();
    return { bytes, counted: window.bytes, held: window.events };
  }
  const key = `bench:${kind}`;
  const redis = new RedisTransport({ url: redisUrl, key, blockMs: 200 });
  await redis.start();
  for (let i = 0; i < n; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, n - i) }, (_, j) => redis.publish(normalizeEvent(JSON.parse(wire(kind, i + j)) as CoreEvent, Date.now()))));
  }
  const admin = redisClient(redisUrl);
  admin.on('error', () => {});
  await admin.connect();
  const bytes = Number(await admin.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  await admin.del(key, `${key}:replay`);
  admin.disconnect();
  const window = redis.window();
  await redis.stop();
  return { bytes, counted: window.bytes, held: window.events };
}

const LABELS: Record<Variant, string> = {
  objects: 'objects (before 0.2.0)',
  frames: 'objects + frames (before)',
  text: 'text ring (0.2.0, memory)',
  redis: 'redis stream (0.2.0)',
};

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { events: { type: 'string', default: '6000' }, child: { type: 'string' }, redis: { type: 'string' } } });
  const n = Number(values.events);
  if (values.child) {
    // One measurement per process, so no variant's garbage or caches weigh on another's baseline.
    const [variant, kind] = values.child.split(':') as [Variant, Kind];
    process.stdout.write(JSON.stringify(await measure(variant, kind, n, values.redis ?? '')));
    return;
  }
  const redis = new TestRedis();
  await redis.start();
  try {
    for (const kind of ['light', 'sensor'] as const) {
      console.log(`${kind} (one event's JSON ${JSON.stringify(events(kind, 1)[0]).length} B), ${n} events; bytes per 1000 held events:`);
      for (const variant of Object.keys(LABELS) as Variant[]) {
        const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./run.ts', import.meta.url)), 'replay-memory', '--events', String(n), '--child', `${variant}:${kind}`, '--redis', redis.url], {
          encoding: 'utf8',
        });
        const m = JSON.parse(out.slice(out.lastIndexOf('{'))) as { bytes: number; counted?: number; held: number };
        const counted = m.counted === undefined ? '' : `   the budget counts ${per1000(m.counted, m.held)} (${m.held} held)`;
        console.log(`  ${LABELS[variant].padEnd(28)} ${per1000(m.bytes, m.held).padStart(10)}${counted}`);
      }
    }
  } finally {
    await redis.dispose();
  }
}
