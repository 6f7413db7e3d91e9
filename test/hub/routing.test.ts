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
