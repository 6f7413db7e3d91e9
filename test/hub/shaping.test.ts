/**
 * Shaping on real loopback sockets (src/hub/stream-shaper.ts, DOCS.md "Shaping"): `fields` key
 * sets, `format=entities` snapshot, diffs, removals and exact resume, `throttle` bounds with the
 * last value delivered, and their mix with `batch`. The hub's time is a fake clock.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFilter } from '../../src/hub/filter.ts';
import { fieldSelection } from '../../src/hub/fields.ts';
import type { StreamShape } from '../../src/hub/shaped-encodings.ts';
import type { SelectionLike } from '../../src/hub/stream-shaper.ts';
import { applyEntitiesMessage, isEntitiesMessage } from '../../src/web/client/compressed-states.ts';
import type { EntityState } from '../../src/web/client/types.ts';
import { FakeClock } from '../fake-clock.ts';
import { ADMIN, type Client, setup } from './harness.ts';
import { until } from '../until.ts';
import { World, held } from './shape-world.ts';

const start = () => new FakeClock(Date.UTC(2024, 1, 10, 12));
const shape = (s: Partial<StreamShape> & { fieldList?: string[] }): StreamShape => ({
  format: s.format ?? 'events',
  throttleMs: s.throttleMs ?? 0,
  fields: s.fieldList ? fieldSelection(s.fieldList) : undefined,
});
const state = createFilter(['state_changed']);
const ids = (...entityIds: string[]) => createFilter(['state_changed'], entityIds);

/** The `format=entities` messages a client received, in order. */
const messages = (client: Client) => client.frames.map((f) => f.json as unknown).filter(isEntitiesMessage);
/** What a client holds after applying every `format=entities` message it received. */
function statesOf(client: Client): Map<string, EntityState> {
  const states = new Map<string, EntityState>();
  for (const message of messages(client)) applyEntitiesMessage(states, message);
  return states;
}

/** A selection the test changes by hand. */
class TestSelection implements SelectionLike {
  readonly #listeners = new Set<(added: readonly string[], removed: readonly string[]) => void>();
  constructor(readonly ids: Set<string>) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  onChange(listener: (added: readonly string[], removed: readonly string[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  change(added: string[], removed: string[]): void {
    for (const id of added) this.ids.add(id);
    for (const id of removed) this.ids.delete(id);
    for (const listener of this.#listeners) listener(added, removed);
  }
  get listening(): number {
    return this.#listeners.size;
  }
}

describe('fields=', () => {
  test('only the named keys (and entity_id) in new, old and initial states; other events untouched', async () => {
    const world = new World();
    world.set('light.a', 'off', { brightness: 0, friendly_name: 'A' });
    const { transport, states, connect } = await setup();
    states.states = world.list();
    const fields = shape({ fieldList: ['state', 'attributes.brightness', 'last_changed'] });
    const shaped = await connect(ADMIN, createFilter(['state_changed', 'call_service']), { shape: fields, initialState: true });
    const plain = await connect(ADMIN, createFilter(['state_changed', 'call_service']), { initialState: true });
    await until(() => shaped.client.events.length === 1 && plain.client.events.length === 1, 'initial states');
    transport.publishSync(world.set('light.a', 'on', { brightness: 200, friendly_name: 'A', color_mode: 'xy' }));
    transport.publishSync(world.set('light.a', 'on', { friendly_name: 'A' }));
    const call = { type: 'call_service', data: { domain: 'light', service: 'turn_on' }, timestamp: 'x', entityIds: [], domains: ['light'], firedAt: 0, receivedAt: 0 };
    transport.publishSync(call);
    await until(() => shaped.client.frames.length === plain.client.frames.length && shaped.client.ofType('call_service').length === 1, 'all events');
    const [initial, first, second] = shaped.client.events.map((f) => f.json.data as Record<string, unknown>);
    assert.deepEqual(Object.keys(initial!).sort(), ['attributes', 'entity_id', 'last_changed', 'old_state', 'state']);
    assert.equal(initial!.old_state, null);
    assert.deepEqual(initial!.attributes, { brightness: 0 });
    assert.deepEqual(first, {
      entity_id: 'light.a',
      state: 'on',
      last_changed: (plain.client.events[1]!.json.data as { last_changed: string }).last_changed,
      attributes: { brightness: 200 },
      old_state: {
        entity_id: 'light.a',
        state: 'off',
        last_changed: ((plain.client.events[1]!.json.data as { old_state: { last_changed: string } }).old_state).last_changed,
        attributes: { brightness: 0 },
      },
    });
    assert.deepEqual(second!.attributes, {}, 'a named attribute the state lacks is left out');
    assert.deepEqual(shaped.client.ofType('call_service')[0]!.json, plain.client.ofType('call_service')[0]!.json);
    assert.deepEqual(shaped.client.events.map((f) => f.id), plain.client.events.map((f) => f.id), 'the same ids');
  });
});

describe('format=entities', () => {
  test('a snapshot of the selection first, then c diffs, then r for a removed entity; states converge', async () => {
    const world = new World();
    world.set('light.a', 'off', { brightness: 0, friendly_name: 'A' });
    world.set('sensor.t', '20', { unit_of_measurement: '°C' });
    world.set('switch.other', 'on');
    const { transport, states, connect } = await setup();
    states.states = world.list();
    const { client } = await connect(ADMIN, ids('light.a', 'sensor.t'), { shape: shape({ format: 'entities' }) });
    await until(() => messages(client).length === 1, 'the snapshot');
    assert.equal(client.frames[0]!.json.type, 'connection');
    const [snapshot] = messages(client);
    assert.deepEqual(Object.keys(snapshot!.a!).sort(), ['light.a', 'sensor.t']);
    assert.equal(client.frames[1]!.id, transport.head(), 'the snapshot carries the position it was taken at');

    const e1 = transport.publishSync(world.set('light.a', 'on', { brightness: 180, friendly_name: 'A' }));
    transport.publishSync(world.set('switch.other', 'off'));
    const e3 = transport.publishSync(world.set('sensor.t', '20', {}));
    const e4 = transport.publishSync(world.set('sensor.t', null));
    await until(() => messages(client).length === 4, 'three more messages');
    const [, c1, c2, r] = messages(client);
    assert.deepEqual(c1!.c!['light.a']!['+']!.a, { brightness: 180 }, 'only the changed attribute');
    assert.equal(c1!.c!['light.a']!['+']!.s, 'on');
    assert.equal(typeof c1!.c!['light.a']!['+']!.lc, 'number');
    assert.deepEqual(c2!.c!['sensor.t']!['-'], { a: ['unit_of_measurement'] }, 'a removed attribute');
    assert.equal(c2!.c!['sensor.t']!['+']!.s, undefined, 'an unchanged state is not sent');
    assert.deepEqual(r!.r, ['sensor.t']);
    assert.deepEqual(client.frames.slice(2).map((f) => f.id), [e1.id, e3.id, e4.id], 'every frame has its event id');
    assert.deepEqual(held(statesOf(client)), world.expected(['light.a', 'sensor.t']));
  });

  test('with fields the snapshot and the diffs cover only those keys; an update of another key sends nothing', async () => {
    const world = new World();
    world.set('light.a', 'off', { brightness: 0, friendly_name: 'A' });
    const { transport, states, connect } = await setup();
    states.states = world.list();
    const { client } = await connect(ADMIN, ids('light.a'), { shape: shape({ format: 'entities', fieldList: ['state', 'attributes.brightness'] }) });
    await until(() => messages(client).length === 1, 'the snapshot');
    assert.deepEqual(messages(client)[0], { a: { 'light.a': { s: 'off', a: { brightness: 0 } } } });
    transport.publishSync(world.set('light.a', 'off', { brightness: 0, friendly_name: 'Renamed' }));
    const marker = transport.publishSync(world.set('light.a', 'on', { brightness: 10, friendly_name: 'Renamed' }));
    await until(() => client.frames.at(-1)?.id === marker.id, 'the marker');
    assert.deepEqual(messages(client).slice(1), [{ c: { 'light.a': { '+': { s: 'on', a: { brightness: 10 } } } } }]);
  });

  test('the selection changes: a for an entity that enters, r for one that leaves, nothing more of it', async () => {
    const world = new World();
    world.set('light.a', 'off');
    world.set('light.b', 'on');
    const { states, connect, hub } = await setup();
    states.states = world.list();
    const selection = new TestSelection(new Set(['light.a']));
    const { client, opened } = await connect(ADMIN, ids('light.a', 'light.b'), { shape: shape({ format: 'entities' }), selection });
    await until(() => messages(client).length === 1, 'the snapshot');
    selection.change(['light.b'], ['light.a']);
    await until(() => messages(client).length === 3, 'a and r');
    assert.deepEqual(Object.keys(messages(client)[1]!.a!), ['light.b']);
    assert.deepEqual(messages(client)[2], { r: ['light.a'] });
    assert.deepEqual([...statesOf(client).keys()], ['light.b']);
    hub.close(opened.id, 'admin_closed');
    await until(() => selection.listening === 0, 'the stream stops following the selection');
  });

  test('a resume within the buffer replays exactly the diffs a continuous stream got; beyond it, a fresh a snapshot and no gap', async () => {
    const world = new World();
    for (const n of [1, 2, 3]) world.set(`light.l${String(n)}`, 'off', { brightness: 0 });
    const { transport, states, connect } = await setup({}, undefined);
    states.states = world.list();
    const entities = shape({ format: 'entities' });
    const steady = await connect(ADMIN, state, { shape: entities });
    const leaving = await connect(ADMIN, state, { shape: entities });
    await until(() => messages(leaving.client).length === 1 && messages(steady.client).length === 1, 'snapshots');
    const first = transport.publishSync(world.set('light.l1', 'on', { brightness: 10 }));
    await until(() => leaving.client.frames.at(-1)?.id === first.id, 'the first diff');
    leaving.client.socket.destroy();
    for (let i = 0; i < 5; i++) transport.publishSync(world.set(`light.l${String((i % 3) + 1)}`, i % 2 ? 'on' : 'off', { brightness: i }));
    const resumed = await connect(ADMIN, state, { shape: entities, lastEventId: first.id });
    await resumed.opened.ready;
    await until(() => steady.client.frames.at(-1)?.id === transport.head() && resumed.client.frames.at(-1)?.id === transport.head(), 'both at the head');
    const after = (client: Client) => client.frames.filter((f) => f.id !== undefined && BigInt(f.id) > BigInt(first.id)).map((f) => f.data);
    assert.deepEqual(after(resumed.client), after(steady.client), 'the same diffs, byte for byte');
    assert.equal(resumed.client.ofType('error').length, 0);

    states.states = world.list(); // the state cache follows the events
    const beyond = await connect(ADMIN, state, { shape: entities, lastEventId: '999999' });
    await beyond.opened.ready;
    await until(() => messages(beyond.client).length === 1, 'a fresh snapshot');
    assert.equal(beyond.client.ofType('error').length, 0, 'no replay_gap');
    assert.deepEqual(held(statesOf(beyond.client)), world.expected());
  });
});

describe('throttle=', () => {
  test('at most one update per entity per window; the last value of a burst always arrives', async () => {
    const clock = start();
    const world = new World();
    const { hub, transport, connect } = await setup({}, clock);
    const { client, opened } = await connect(ADMIN, state, { shape: shape({ throttleMs: 1000 }) });
    const burst = [1, 2, 3, 4, 5].map((n) => transport.publishSync(world.set('sensor.p', String(n))));
    await until(() => client.events.length === 1, 'the first of the burst at once');
    clock.advance(500);
    transport.publishSync(world.set('sensor.q', 'x')); // q's window: 500..1500
    await until(() => client.events.length === 2, 'the first of q');
    assert.equal(client.events[1]!.id, burst[0]!.id, 'while 2..5 are held, frames carry the position before them');
    clock.advance(400);
    transport.publishSync(world.set('sensor.q', 'y')); // held
    clock.advance(99);
    assert.equal(hub.get(opened.id)!.eventsSent, 2, 'nothing written before the window ends');
    clock.advance(1);
    await until(() => client.events.length === 3, 'the trailing value');
    assert.equal((client.events[2]!.json.data as { state: string }).state, '5', 'the latest value wins');
    assert.equal(client.events[2]!.id, burst[0]!.id, 'q is still held: a position from before it');
    clock.advance(500);
    await until(() => client.events.length === 4, "q's trailing value");
    assert.equal((client.events[3]!.json.data as { state: string }).state, 'y');
    assert.equal(client.events[3]!.id, transport.head(), 'nothing held: the newest event');
    clock.advance(5000);
    assert.equal(hub.get(opened.id)!.eventsSent, 4, 'a quiet entity sends nothing more');
  });

  test('format=entities: the deferred diff goes from the last delivered state to the latest, not the last event diff', async () => {
    const clock = start();
    const world = new World();
    world.set('light.a', 'off', { brightness: 0, color: 'red' });
    const { transport, states, connect } = await setup({}, clock);
    states.states = world.list();
    const { client } = await connect(ADMIN, state, { shape: shape({ format: 'entities', throttleMs: 500 }) });
    await until(() => messages(client).length === 1, 'the snapshot');
    transport.publishSync(world.set('light.a', 'on', { brightness: 1, color: 'red' })); // sent at once
    transport.publishSync(world.set('light.a', 'on', { brightness: 2, color: 'blue', extra: 1 })); // held
    transport.publishSync(world.set('light.a', 'on', { brightness: 3, color: 'red' })); // held: color back, extra gone
    await until(() => messages(client).length === 2, 'the leading update');
    clock.advance(500);
    await until(() => messages(client).length === 3, 'the trailing update');
    assert.deepEqual(messages(client)[2], { c: { 'light.a': { '+': { lu: messages(client)[2]!.c!['light.a']!['+']!.lu, a: { brightness: 3 } } } } });
    assert.deepEqual(held(statesOf(client)), world.expected());
  });

  test('a throttled format=entities stream resumes from a fresh snapshot', async () => {
    const world = new World();
    world.set('light.a', 'off');
    const { transport, states, connect } = await setup();
    states.states = world.list();
    const last = transport.publishSync(world.set('light.a', 'on'));
    const resumed = await connect(ADMIN, state, { shape: shape({ format: 'entities', throttleMs: 100 }), lastEventId: last.id });
    await resumed.opened.ready;
    await until(() => messages(resumed.client).length === 1, 'the snapshot');
    assert.deepEqual(Object.keys(messages(resumed.client)[0]!.a ?? {}), ['light.a']);
    assert.equal(resumed.client.ofType('error').length, 0);
  });
});

describe('shaping with batch', () => {
  test('format=entities messages travel inside batch frames; the client reaches the same states', async () => {
    const clock = start();
    const world = new World();
    world.set('light.a', 'off');
    const { transport, states, connect } = await setup({}, clock);
    states.states = world.list();
    const { client } = await connect(ADMIN, state, { shape: shape({ format: 'entities' }), batchMs: 100 });
    await until(() => messages(client).length === 1, 'the snapshot (never batched)');
    transport.publishSync(world.set('light.a', 'on', { brightness: 1 }));
    transport.publishSync(world.set('light.b', 'on'));
    clock.advance(100);
    await until(() => client.ofType('batch').length === 1, 'one batch');
    const batch = client.ofType('batch')[0]!.json as unknown as { messages: unknown[] };
    assert.equal(batch.messages.length, 2);
    const states2 = statesOf(client);
    for (const message of batch.messages) if (isEntitiesMessage(message)) applyEntitiesMessage(states2, message);
    assert.deepEqual(held(states2), world.expected());
  });
});
