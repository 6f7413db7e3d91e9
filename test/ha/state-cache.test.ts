/** The state cache keeps core's state object when it is well formed (no copy per event), and a normalized copy otherwise. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StateCache } from '../../src/ha/state-cache.ts';
import type { CoreEvent } from '../../src/ha/messages.ts';

const at = '2024-02-10T12:00:00.000Z';
const changed = (newState: unknown): CoreEvent => ({
  event_type: 'state_changed',
  data: { entity_id: 'light.kitchen', old_state: null, new_state: newState },
  origin: 'LOCAL',
  time_fired: at,
  context: { id: 'c', parent_id: null, user_id: null },
});

test('a well-formed new_state is cached as the very object core sent', () => {
  const cache = new StateCache();
  const state = { entity_id: 'light.kitchen', state: 'on', attributes: { b: 1 }, last_changed: at, last_updated: at, context: { id: 'c', parent_id: null, user_id: 'u' } };
  cache.apply(changed(state));
  assert.equal(cache.get('light.kitchen'), state);
});

test('a new_state without a usable context or attributes is cached as a normalized copy', () => {
  const cache = new StateCache();
  const state = { entity_id: 'light.kitchen', state: 'on', attributes: 'bad', last_changed: at, last_updated: at, context: { id: 7 } };
  cache.apply(changed(state));
  const cached = cache.get('light.kitchen');
  assert.notEqual(cached, state);
  assert.deepEqual(cached, { entity_id: 'light.kitchen', state: 'on', attributes: {}, last_changed: at, last_updated: at, context: { id: '', parent_id: null, user_id: null } });
});

test('a malformed new_state is not cached; null removes the entity', () => {
  const cache = new StateCache();
  cache.apply(changed({ entity_id: 'light.kitchen', state: 3 }));
  assert.equal(cache.get('light.kitchen'), undefined);
  cache.apply(changed({ entity_id: 'light.kitchen', state: 'on', attributes: {}, last_changed: at, last_updated: at, context: { id: 'c', parent_id: null, user_id: null } }));
  assert.equal(cache.size, 1);
  cache.apply(changed(null));
  assert.equal(cache.size, 0);
});
