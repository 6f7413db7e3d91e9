/** A stream's entity selection (src/hub/selection.ts): the union, globs, and the changes its listeners hear. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntityGlob, Selection } from '../../src/hub/selection.ts';

const AREA = { areas: ['kitchen'], floors: [], labels: [], devices: [], integrations: [] };
const NO_SELECTORS = { areas: [], floors: [], labels: [], devices: [], integrations: [] };

test('without entity selectors every entity is selected', () => {
  const selection = new Selection({ selectors: NO_SELECTORS });
  assert.equal(selection.restricted, false);
  assert.equal(selection.selectors, undefined, 'empty selectors are no selectors');
  assert.ok(selection.has('light.anything'));
});

test('the union of exact ids, domains, globs and the resolved selection', () => {
  const selection = new Selection({ entityIds: ['switch.a'], domains: ['cover'], globs: ['sensor.*_power'], selectors: AREA });
  assert.equal(selection.restricted, true);
  selection.setResolved(new Set(['light.kitchen']));
  for (const id of ['switch.a', 'cover.garage', 'sensor.washer_power', 'light.kitchen']) assert.ok(selection.has(id), id);
  for (const id of ['switch.b', 'sensor.washer_energy', 'light.hallway', 'sensor.power']) assert.ok(!selection.has(id), id);
});

test('globs follow fnmatch: * spans dots, ? is one character, the rest is literal', () => {
  assert.ok(new EntityGlob('*_power').test('sensor.washer_power'));
  assert.ok(new EntityGlob('sensor.*').test('sensor.a.b'));
  assert.ok(new EntityGlob('light.be?room').test('light.bedroom'));
  assert.ok(!new EntityGlob('light.be?room').test('light.beddroom'));
  assert.ok(!new EntityGlob('light.a_b').test('light.aXb'), 'no regex meaning leaks in');
  assert.equal(new EntityGlob('sensor.*_power').domain, 'sensor');
  assert.equal(new EntityGlob('*.kitchen').domain, undefined);
  assert.equal(new EntityGlob('s?nsor.x*').domain, undefined);
});

test('listeners hear what entered and left, as has() sees it', () => {
  const selection = new Selection({ entityIds: ['light.kitchen'], globs: ['sensor.*'], selectors: AREA });
  const heard: [readonly string[], readonly string[]][] = [];
  const stop = selection.onChange((added, removed) => heard.push([added, removed]));
  // light.kitchen and sensor.x are selected anyway: resolving them changes nothing for has().
  assert.deepEqual(selection.setResolved(new Set(['light.kitchen', 'sensor.x', 'switch.coffee'])), { added: ['switch.coffee'], removed: [] });
  assert.deepEqual(selection.setResolved(new Set(['switch.coffee', 'light.office'])), { added: ['light.office'], removed: [] });
  assert.deepEqual(selection.setResolved(new Set(['light.office'])), { added: [], removed: ['switch.coffee'] });
  selection.setResolved(new Set(['light.office'])); // no change: no call
  assert.deepEqual(heard, [
    [['switch.coffee'], []],
    [['light.office'], []],
    [[], ['switch.coffee']],
  ]);
  stop();
  selection.setResolved(new Set());
  assert.equal(heard.length, 3, 'unsubscribed');
  assert.ok(!selection.has('light.office'));
});
