/**
 * Streams with registry selectors in the hub (src/hub/selection-sync.ts), with a fake target
 * source: resolved when opened, re-resolved once per distinct selector set after each registry
 * change, routed by the new selection, gained states for `initial_state` streams after what a
 * batching stream had queued, and change notifications for the shaping code.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFilter } from '../../src/hub/filter.ts';
import type { EntitySelectors, TargetSource } from '../../src/base/types.ts';
import { FakeClock } from '../fake-clock.ts';
import { haState } from './fakes.ts';
import { ADMIN, ev, setup } from './harness.ts';
import { until } from '../until.ts';

/** Areas → entity ids; `change()` is a completed registry read. */
class FakeTargets implements TargetSource {
  readonly areas = new Map<string, string[]>();
  readonly #listeners = new Set<() => void>();
  resolves = 0;

  resolve(selectors: EntitySelectors): ReadonlySet<string> {
    this.resolves++;
    return new Set(selectors.areas.flatMap((area) => this.areas.get(area) ?? []));
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  change(area: string, ids: string[]): void {
    this.areas.set(area, ids);
    for (const listener of this.#listeners) listener();
  }
}

const area = (...areas: string[]) => ({ selectors: { areas, floors: [], labels: [], devices: [], integrations: [] } });

describe('registry selections in the hub', () => {
  test('routed by the resolved selection, which follows changes; listeners hear the difference', async () => {
    const targets = new FakeTargets();
    targets.areas.set('kitchen', ['light.kitchen']);
    const { transport, connect } = await setup({}, undefined, false, targets);
    const filter = createFilter(['state_changed'], [], [], area('kitchen'));
    const heard: string[] = [];
    filter.selection.onChange((added, removed) => heard.push(`+${added.join(',')} -${removed.join(',')}`));
    const { client } = await connect(ADMIN, filter);
    await until(() => client.frames.length === 1, 'connection');

    await transport.publish(ev('light.kitchen', 1));
    await transport.publish(ev('switch.coffee', 1));
    targets.change('kitchen', ['switch.coffee']); // the light left, the switch came
    await transport.publish(ev('light.kitchen', 2));
    await transport.publish(ev('switch.coffee', 2));
    await until(() => client.events.length === 2, 'two events');
    const seen = client.events.map((f) => (f.json.data as { entity_id: string; n: number }).entity_id + (f.json.data as { n: number }).n);
    assert.deepEqual(seen, ['light.kitchen1', 'switch.coffee2']);
    assert.deepEqual(heard, ['+switch.coffee -light.kitchen']);
  });

  test('an initial_state stream gets the state of a gained entity, at its current position', async () => {
    const targets = new FakeTargets();
    const { transport, states, connect } = await setup({}, undefined, false, targets);
    states.states = [haState('light.kitchen', 'on'), haState('switch.coffee', 'off')];
    const { client } = await connect(ADMIN, createFilter(['state_changed'], [], [], area('office')), { initialState: true });
    const { client: plain } = await connect(ADMIN, createFilter(['state_changed'], [], [], area('office')));
    await until(() => client.frames.length === 1 && plain.frames.length === 1, 'connections, no states (unknown area)');
    const position = client.frames[0]!.id;

    targets.change('office', ['light.kitchen', 'sensor.without_state']);
    await until(() => client.events.length === 1, 'the gained state');
    const gained = client.events[0]!;
    assert.equal(gained.id, position, 'the position does not move');
    assert.deepEqual(gained.json.data, { entity_id: 'light.kitchen', state: 'on', attributes: { friendly_name: 'light.kitchen' }, last_changed: '2024-02-10T12:00:00.000Z', last_updated: '2024-02-10T12:00:00.000Z', old_state: null });
    // A later live event is the marker: the plain stream got no state frame before it.
    await transport.publish(ev('light.kitchen', 1));
    await until(() => plain.events.length === 1 && client.events.length === 2, 'the live event');
    assert.equal((plain.events[0]!.json.data as { n: number }).n, 1);
  });

  test('a batching stream writes what it queued before a gained state', async () => {
    const clock = new FakeClock(1_000_000);
    const targets = new FakeTargets();
    targets.areas.set('office', ['light.office']);
    const { transport, states, connect } = await setup({}, clock, false, targets);
    states.states = [haState('light.kitchen', 'on')];
    const { client } = await connect(ADMIN, createFilter(['state_changed'], [], [], area('office')), { initialState: true, batchMs: 1000 });
    await until(() => client.frames.length === 1, 'connection');
    await transport.publish(ev('light.office', 1));
    targets.change('office', ['light.office', 'light.kitchen']);
    await until(() => client.frames.length === 3, 'batch, then the state');
    assert.deepEqual(client.frames.slice(1).map((f) => f.json.type), ['batch', 'state_changed']);
  });

  test('one resolution per distinct selector set per change', async () => {
    const targets = new FakeTargets();
    const { connect } = await setup({}, undefined, false, targets);
    for (let i = 0; i < 5; i++) await connect(ADMIN, createFilter(['state_changed'], [], [], area('kitchen', 'office')));
    await connect(ADMIN, createFilter(['state_changed'], [], [], area('office', 'kitchen'))); // the same set
    await connect(ADMIN, createFilter(['state_changed'], [], [], area('bedroom')));
    await connect(ADMIN, createFilter(['state_changed'], ['light.a'])); // no selectors
    const opened = targets.resolves;
    assert.equal(opened, 7, 'each stream resolved once when it opened');
    targets.change('kitchen', ['light.kitchen']);
    assert.equal(targets.resolves - opened, 2);
  });
});
