import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_TYPES, type EventFilter, createFilter, matches } from '../../src/hub/filter.ts';
import { type Routable, RouteMark, RoutingIndex } from '../../src/hub/routing.ts';

type Ev = { type: string; entityIds: string[]; domains: string[] };

const stateOf = (entity: string): Ev => ({ type: 'state_changed', entityIds: [entity], domains: [entity.split('.')[0]!] });
const EVENTS = {
  livingRoomLight: stateOf('light.living_room'),
  kitchenLight: stateOf('light.kitchen'),
  switchA: stateOf('switch.a'),
  sensor: stateOf('sensor.temp'),
  automation: { type: 'automation_triggered', entityIds: ['automation.morning'], domains: ['automation'] },
  script: { type: 'script_executed', entityIds: ['script.hello'], domains: ['script'] },
  serviceLight: { type: 'service_called', entityIds: ['light.living_room', 'light.kitchen'], domains: ['light'] },
  serviceNoTarget: { type: 'service_called', entityIds: [], domains: ['homeassistant'] },
  themes: { type: 'themes_updated', entityIds: [], domains: [] },
} satisfies Record<string, Ev>;
type Name = keyof typeof EVENTS;

const AREA = { areas: ['somewhere'], floors: [], labels: [], devices: [], integrations: [] };

/** A filter whose registry selectors resolved to `resolved` (as SelectionSync leaves it). */
function selected(types: string[] | typeof ALL_TYPES, resolved: string[], entityIds: string[] = []): EventFilter {
  const filter = createFilter(types, entityIds, [], { selectors: AREA });
  filter.selection.setResolved(new Set(resolved));
  return filter;
}

const SEED = createFilter(['state_changed', 'automation_triggered'], ['light.living_room'], ['switch']);

/** Filter → the events it must pass (all others must not pass). */
const TABLE: { name: string; filter: EventFilter; passes: Name[] }[] = [
  {
    name: 'seed example: entity_id=light.living_room&domain=switch&events=state_changed,automation_triggered',
    filter: SEED,
    passes: ['livingRoomLight', 'switchA'],
  },
  {
    name: 'seed filter plus domain=automation lets automation triggers through',
    filter: createFilter(['state_changed', 'automation_triggered'], ['light.living_room'], ['switch', 'automation']),
    passes: ['livingRoomLight', 'switchA', 'automation'],
  },
  {
    name: 'events only: every event of those types',
    filter: createFilter(['state_changed', 'automation_triggered']),
    passes: ['livingRoomLight', 'kitchenLight', 'switchA', 'sensor', 'automation'],
  },
  {
    name: 'admin default (*): everything',
    filter: createFilter(ALL_TYPES),
    passes: Object.keys(EVENTS) as Name[],
  },
  {
    name: '* with domain=light: light states and light service calls',
    filter: createFilter(ALL_TYPES, [], ['light']),
    passes: ['livingRoomLight', 'kitchenLight', 'serviceLight'],
  },
  {
    name: 'entity filter matches a service call targeting that entity (one of several targets)',
    filter: createFilter(['service_called'], ['light.kitchen']),
    passes: ['serviceLight'],
  },
  {
    name: 'entity and its own domain: passes once, no duplicates',
    filter: createFilter(['state_changed'], ['light.kitchen'], ['light']),
    passes: ['livingRoomLight', 'kitchenLight'],
  },
  {
    name: 'events without entities never pass an entity restriction',
    filter: createFilter(['themes_updated', 'state_changed'], ['sensor.temp']),
    passes: ['sensor'],
  },
  {
    name: 'glob with a literal domain: light.*',
    filter: createFilter(['state_changed'], [], [], { globs: ['light.*'] }),
    passes: ['livingRoomLight', 'kitchenLight'],
  },
  {
    name: 'glob with a wildcard domain matches service targets too: *.kitchen',
    filter: createFilter(ALL_TYPES, [], [], { globs: ['*.kitchen'] }),
    passes: ['kitchenLight', 'serviceLight'],
  },
  {
    name: 'glob ? is one character: sensor.t?mp, and a union with an exact id',
    filter: createFilter(['state_changed'], ['switch.a'], [], { globs: ['sensor.t?mp', 'sensor.t?'] }),
    passes: ['sensor', 'switchA'],
  },
  {
    name: 'resolved registry selection: its entities, in any event that names them',
    filter: selected(ALL_TYPES, ['light.kitchen', 'script.hello']),
    passes: ['kitchenLight', 'serviceLight', 'script'],
  },
  {
    name: 'resolved selection that overlaps an exact id: passes once',
    filter: selected(['state_changed'], ['light.kitchen'], ['light.kitchen']),
    passes: ['kitchenLight'],
  },
  {
    name: 'selectors that resolve to nothing (an unknown area): nothing passes',
    filter: selected(ALL_TYPES, []),
    passes: [],
  },
  {
    name: 'type not listed: nothing passes',
    filter: createFilter(['call_service'], [], ['light']),
    passes: [],
  },
];

interface Sub extends Routable {
  name: string;
}

describe('filter semantics (DOCS.md)', () => {
  for (const row of TABLE) {
    test(row.name, () => {
      for (const [name, event] of Object.entries(EVENTS) as [Name, Ev][]) {
        assert.equal(matches(row.filter, event), row.passes.includes(name), `${name} via matches()`);
      }
    });
  }
});

describe('RoutingIndex', () => {
  const build = () => {
    const index = new RoutingIndex<Sub>();
    const subs = TABLE.map((row) => ({ name: row.name, filter: row.filter, routeMark: new RouteMark() }));
    for (const sub of subs) index.add(sub);
    return { index, subs };
  };

  test('visits exactly the subscribers the predicate passes, each once, for every event', () => {
    const { index } = build();
    for (const [name, event] of Object.entries(EVENTS) as [Name, Ev][]) {
      const visited: string[] = [];
      const count = index.forEachMatch(event, (sub) => visited.push(sub.name));
      const expected = TABLE.filter((row) => row.passes.includes(name)).map((row) => row.name);
      assert.deepEqual([...visited].sort(), [...expected].sort(), name);
      assert.equal(count, expected.length);
    }
  });

  test('removed subscribers are no longer visited and empty buckets disappear', () => {
    const { index, subs } = build();
    for (const sub of subs) index.remove(sub);
    assert.equal(index.size, 0);
    assert.deepEqual(index.types(), []);
    assert.equal(
      index.forEachMatch(EVENTS.livingRoomLight, () => assert.fail('visited')),
      0,
    );
  });

  test('re-filing after the resolved selection changed routes by the new selection only', () => {
    const { index, subs } = build();
    const sub = subs.find((s) => s.name.startsWith('resolved registry selection'))!;
    const before = sub.filter.selection.resolved;
    sub.filter.selection.setResolved(new Set(['switch.a', 'light.kitchen']));
    index.reselect(sub, before);
    for (const [name, event] of Object.entries(EVENTS) as [Name, Ev][]) {
      const visited: string[] = [];
      index.forEachMatch(event, (s) => visited.push(s.name));
      const expected = subs.filter((s) => matches(s.filter, event)).map((s) => s.name);
      assert.deepEqual(visited.sort(), expected.sort(), name);
    }
    assert.ok(matches(sub.filter, EVENTS.switchA) && !matches(sub.filter, EVENTS.script));
    for (const s of subs) index.remove(s);
    assert.deepEqual(index.types(), [], 'nothing left behind');
  });

  test('an event visits only its candidates, not every subscriber', () => {
    const index = new RoutingIndex<Sub & { visits: number }>();
    const many = Array.from({ length: 1000 }, (_, i) => ({
      name: `s${i}`,
      filter: createFilter(['state_changed'], [`sensor.s${i}`]),
      routeMark: new RouteMark(),
      visits: 0,
    }));
    for (const sub of many) index.add(sub);
    const count = index.forEachMatch(stateOf('sensor.s42'), (sub) => sub.visits++);
    assert.equal(count, 1);
    assert.equal(many[42]!.visits, 1);
  });
});
