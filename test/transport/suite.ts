/**
 * The behavioural contract every Transport meets (docs/ARCHITECTURE.md §5.4). Each implementation's test file calls
 * {@link transportSuite} with a factory; test/transport/redis.test.ts runs the same cases against a real redis-server.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HubEvent, StampedEvent } from '../../src/base/types.ts';
import { type ReplayPolicy, type Transport, TransportStoppedError } from '../../src/transport/transport.ts';
import { until } from '../until.ts';
import { keepLast } from './policies.ts';

export interface TransportFactoryOptions {
  /** What the transport must keep for replay. */
  history: ReplayPolicy;
}

export type TransportFactory = (options: TransportFactoryOptions) => Transport | Promise<Transport>;

export function sampleEvent(n: number, type = 'state_changed'): HubEvent {
  const entity = `sensor.s${n}`;
  return {
    type,
    data: { entity_id: entity, state: String(n) },
    timestamp: new Date(1_700_000_000_000 + n).toISOString(),
    entityIds: [entity],
    domains: ['sensor'],
    firedAt: 1_700_000_000_000 + n,
    receivedAt: 1_700_000_000_000 + n,
  };
}

const states = (events: readonly StampedEvent[]) => events.map((e) => (e.event.data as { state: string }).state);

export function transportSuite(name: string, factory: TransportFactory): void {
  describe(`Transport contract: ${name}`, () => {
    const started: Transport[] = [];
    /** The ids each transport's own listeners have heard. */
    const heard = new WeakMap<Transport, Set<string>>();
    const make = async (history: number | ReplayPolicy = 10): Promise<Transport> => {
      const transport = await factory({ history: typeof history === 'number' ? keepLast(history) : history });
      await transport.start();
      const ids = new Set<string>();
      transport.subscribe((stamped) => ids.add(stamped.id));
      heard.set(transport, ids);
      started.push(transport);
      return transport;
    };
    /**
     * Publishes and waits until the transport has delivered the event to its listeners: a replay
     * holds what this transport delivered (a resuming subscriber gets the rest live).
     */
    const deliver = async (t: Transport, event: HubEvent): Promise<StampedEvent> => {
      const stamped = await t.publish(event);
      await until(() => heard.get(t)!.has(stamped.id), `event ${stamped.id} delivered`);
      return stamped;
    };
    afterEach(async () => {
      for (const t of started.splice(0)) await t.stop();
    });

    test('ids increase monotonically and listeners receive every event in order', async () => {
      const t = await make();
      const seen: StampedEvent[] = [];
      t.subscribe((e) => seen.push(e));
      const published: StampedEvent[] = [];
      for (let i = 0; i < 5; i++) published.push(await t.publish(sampleEvent(i)));
      await until(() => seen.length === 5, '5 events seen');
      assert.deepEqual(
        seen.map((e) => e.id),
        published.map((e) => e.id),
      );
      assert.deepEqual(states(seen), ['0', '1', '2', '3', '4']);
      const ids = published.map((e) => e.id);
      assert.equal(new Set(ids).size, 5, 'ids are unique');
      assert.equal(t.head(), ids.at(-1));
    });

    test('the head before any event replays as empty, and later ids come after it', async () => {
      const t = await make();
      const start = t.head();
      assert.deepEqual(await t.replay(start), { kind: 'events', events: [] });
      await deliver(t, sampleEvent(1));
      const result = await t.replay(start);
      assert.equal(result.kind, 'events');
      assert.deepEqual(states(result.kind === 'events' ? result.events : []), ['1']);
    });

    test('replay returns the events after an id, in order, and none after the head', async () => {
      const t = await make();
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await deliver(t, sampleEvent(i))).id);
      const after2 = await t.replay(ids[2]!);
      assert.equal(after2.kind, 'events');
      if (after2.kind === 'events') {
        assert.deepEqual(
          after2.events.map((e) => e.id),
          ids.slice(3),
        );
        assert.deepEqual(states(after2.events), ['3', '4', '5']);
      }
      assert.deepEqual(await t.replay(ids[5]!), { kind: 'events', events: [] });
    });

    test('an id older than the history kept is a gap; the oldest kept id still replays', async () => {
      const t = await make(3);
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push((await deliver(t, sampleEvent(i))).id);
      assert.deepEqual(await t.replay(ids[0]!), { kind: 'gap' });
      assert.deepEqual(await t.replay(ids[3]!), { kind: 'gap' }, 'events 4 is gone, so after 3 cannot be complete');
      const fromOldest = await t.replay(ids[4]!);
      assert.equal(fromOldest.kind, 'events');
      if (fromOldest.kind === 'events') assert.deepEqual(states(fromOldest.events), ['5', '6', '7']);
    });

    test('the byte budget drops the oldest events, inside the window and below the minimum count too', async () => {
      const cost = JSON.stringify(sampleEvent(0)).length + 41; // the text, the field name, the entry overhead
      const t = await make({ windowMs: 3_600_000, minEvents: 100, maxBytes: Math.floor(cost * 3.5) });
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push((await deliver(t, sampleEvent(i))).id);
      assert.deepEqual(await t.replay(ids[3]!), { kind: 'gap' });
      const kept = await t.replay(ids[4]!);
      assert.deepEqual(kept.kind === 'events' ? states(kept.events) : kept, ['5', '6', '7']);
      const window = t.window();
      assert.equal(window.events, 3);
      assert.ok(window.bytes > cost * 2.9 && window.bytes <= cost * 3.5, `${window.bytes} bytes for three events of about ${cost}`);
    });

    test('a budget of 0 keeps nothing: only the head replays', async () => {
      const t = await make({ windowMs: 3_600_000, minEvents: 100, maxBytes: 0 });
      // Nothing is kept, so nothing need be delivered first (with no delivery grace, not even read).
      const first = (await t.publish(sampleEvent(1))).id;
      const second = (await t.publish(sampleEvent(2))).id;
      assert.deepEqual(await t.replay(first), { kind: 'gap' });
      assert.deepEqual(await t.replay(second), { kind: 'events', events: [] });
      assert.equal(t.window().events, 0);
      assert.equal(t.window().bytes, 0);
    });

    test('the window counts the events held', async () => {
      const t = await make(3);
      assert.equal(t.window().events, 0);
      for (let i = 0; i < 5; i++) await deliver(t, sampleEvent(i));
      assert.equal(t.window().events, 3);
    });

    test('replayed events equal the published ones', async () => {
      const t = await make();
      const start = t.head();
      const published = [await deliver(t, sampleEvent(1)), await deliver(t, { ...sampleEvent(2), resync: true, data: { text: 'Küche 21 °C ☀' } })];
      const replay = await t.replay(start);
      assert.deepEqual(replay, { kind: 'events', events: published });
    });

    test('unknown and malformed ids are gaps', async () => {
      const t = await make();
      await deliver(t, sampleEvent(1));
      for (const id of ['', 'abc', '-1', '1e3', ' 1', '99999999999999999999', 'x\ny']) {
        assert.deepEqual(await t.replay(id), { kind: 'gap' }, `id ${JSON.stringify(id)}`);
      }
    });

    test('unsubscribe stops delivery; other listeners keep receiving', async () => {
      const t = await make();
      const a: string[] = [];
      const b: string[] = [];
      const offA = t.subscribe((e) => a.push(e.id));
      t.subscribe((e) => b.push(e.id));
      await deliver(t, sampleEvent(1));
      await until(() => a.length === 1 && b.length === 1, 'one event at each subscriber');
      offA();
      await deliver(t, sampleEvent(2));
      await until(() => b.length === 2, 'two events at b');
      assert.equal(a.length, 1);
    });

    test('a listener that throws does not stop delivery to the others', async () => {
      const t = await make();
      const seen: string[] = [];
      t.subscribe(() => {
        throw new Error('boom');
      });
      t.subscribe((e) => seen.push(e.id));
      await deliver(t, sampleEvent(1));
      await until(() => seen.length === 1, '1 event seen');
    });

    test('publish after stop rejects with TransportStoppedError and nothing is delivered', async () => {
      const t = await make();
      const seen: string[] = [];
      t.subscribe((e) => seen.push(e.id));
      await t.stop();
      await assert.rejects(t.publish(sampleEvent(1)), TransportStoppedError);
      assert.deepEqual(seen, []);
    });

    test('a burst of publishes keeps order and replays completely', async () => {
      const t = await make(100);
      const seen: string[] = [];
      t.subscribe((e) => seen.push(e.id));
      const start = t.head();
      const published = await Promise.all(Array.from({ length: 50 }, (_, i) => t.publish(sampleEvent(i))));
      await until(() => seen.length === 50, '50 events seen');
      assert.deepEqual(
        seen,
        published.map((e) => e.id),
      );
      const replay = await t.replay(start);
      assert.equal(replay.kind, 'events');
      if (replay.kind === 'events') assert.deepEqual(states(replay.events), published.map((_, i) => String(i)));
    });
  });
}

