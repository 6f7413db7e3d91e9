/**
 * Entity selectors on `GET /subscribe_events` against the real server in demo mode (SseHubServer
 * with its simulator, real sockets, EventSource clients): each selector picks the entities core's
 * target rules pick in the demo home (docs/home-assistant.md §18), the selectors and `entity_id`
 * globs form a union with `events=` on top, selections follow registry changes (gained entities
 * arrive with their state when `initial_state=true`), unknown ids are fine and malformed ones 400.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type DemoServer, startDemoServer } from '../demo-server.ts';
import { demoDeviceId } from '../../src/simulator/demo-registry.ts';
import { RecordingEventSource, openStream, request } from './subscribe-harness.ts';
import { until } from '../until.ts';

let demo: DemoServer;
before(async () => {
  // A quiet home (only the test's changes) and no new-stream budget: every case opens its own stream.
  demo = await startDemoServer({ DEMO_EVENT_RATE: '0', STREAM_LIMIT: '0', RATE_LIMIT_PER_MINUTE: '100000' });
  await until(() => demo.server.registries.reads >= 1, 'the registries read');
});
after(() => demo.stop());

const streams: RecordingEventSource[] = [];
const url = (query: string) => `${demo.base}/subscribe_events?token=${demo.sim.adminToken}&${query}`;

function open(query: string): RecordingEventSource {
  const es = new RecordingEventSource(url(query));
  streams.push(es);
  return es;
}

after(() => {
  for (const es of streams) es.close();
});

type Data = { entity_id: string; state: string; old_state?: unknown };
const data = (m: { json: Record<string, unknown> }) => m.json.data as Data;
const stateIds = (es: RecordingEventSource) => es.ofType('state_changed').map((m) => data(m).entity_id);

/** Opens a stream with `initial_state=true` and returns the entities whose states it started with. */
async function initialEntities(query: string): Promise<string[]> {
  const es = open(`${query}&initial_state=true`);
  // With a snapshot to send, the connection frame and the snapshot's frames carry no id but the
  // last, which carries the stream position (DOCS.md): an id means the snapshot is complete.
  await es.waitFor((e) => e.messages.length > 1 && e.messages.at(-1)!.id !== '', 'the snapshot');
  es.close();
  return stateIds(es).sort();
}

/** The registry read count, to wait for the read that follows a change. */
const reads = () => demo.server.registries.reads;

describe('each selector picks what core would', () => {
  const cases: [string, string[]][] = [
    // light.kitchen follows the kitchen relay; light.hallway (same relay) is in the hallway by its own area.
    ['area=kitchen', ['automation.kitchen_motion_lights', 'binary_sensor.kitchen_motion', 'light.kitchen', 'switch.coffee_maker']],
    ['area_id=hallway', ['automation.hallway_motion_lights', 'binary_sensor.front_door', 'binary_sensor.hallway_motion', 'light.hallway']],
    [`device_id=${demoDeviceId('kitchen_relay')}`, ['light.hallway', 'light.kitchen']],
    ['floor=first_floor', ['binary_sensor.back_window', 'climate.bedroom', 'light.bedroom', 'light.office_desk', 'sensor.bedroom_temperature', 'sensor.office_co2', 'switch.dehumidifier']],
    // An entity, devices and an automation carry the label.
    ['label_id=security', ['automation.front_door_evening', 'binary_sensor.back_window', 'binary_sensor.front_door', 'binary_sensor.hallway_motion', 'light.porch']],
    // The plug is labelled: its switch, not its hidden energy sensor; the meter's two sensors.
    ['label=energy', ['sensor.energy_today', 'sensor.house_power', 'switch.coffee_maker']],
    // Diagnostic sensors stay out of areas; the living room's battery sensor is one.
    ['area=living_room', ['climate.living_room', 'cover.living_room_blinds', 'light.living_room_ceiling', 'sensor.living_room_humidity', 'sensor.living_room_temperature', 'switch.tv']],
    ['integration=hue', ['light.bedroom', 'light.living_room_ceiling', 'light.office_desk']],
    // A glob is an entity filter: the diagnostic relay temperature matches too.
    ['entity_id=sensor.*_temperature', ['sensor.bedroom_temperature', 'sensor.kitchen_relay_temperature', 'sensor.living_room_temperature', 'sensor.outdoor_temperature']],
    ['entity_id=light.?e*', ['light.bedroom']],
    // Values are comma lists, repeated parameters add values, and everything is one union.
    ['area=office,garden&area_id=office&entity_id=light.porch&domain=cover', ['cover.garage_door', 'cover.living_room_blinds', 'light.office_desk', 'light.porch', 'sensor.office_co2', 'switch.garden_pump']],
    ['area=office&area=garden', ['light.office_desk', 'sensor.office_co2', 'switch.garden_pump']],
  ];
  for (const [query, entities] of cases) {
    test(query, async () => assert.deepEqual(await initialEntities(query), entities));
  }
});

test('POST bodies take the selectors as JSON arrays', async () => {
  const body = JSON.stringify({ token: demo.sim.adminToken, area_id: ['office'], label: ['night_mode'], entity_id: ['sensor.*_co2'], initial_state: true, events: ['state_changed'] });
  const stream = await openStream(`${demo.base}/subscribe_events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  try {
    await stream.waitFor((s) => s.frames.length > 1 && s.frames.at(-1)!.id !== undefined, 'the snapshot');
    const ids = stream.frames.filter((f) => f.json.type === 'state_changed').map((f) => (f.json.data as Data).entity_id);
    assert.deepEqual(ids.sort(), ['binary_sensor.back_window', 'climate.bedroom', 'light.bedroom', 'light.office_desk', 'script.good_night', 'sensor.bedroom_temperature', 'sensor.office_co2', 'switch.dehumidifier']);
  } finally {
    stream.close();
  }
});

test('events= applies on top of the selection', async () => {
  const es = open('area=kitchen&events=automation_triggered');
  await es.waitFor((e) => e.ofType('connection').length === 1, 'connection');
  // Motion in the kitchen: the sensor's and the light's state changes are not automation events;
  // the kitchen automation's trigger is. Then the hallway's automation (not in the area), then the
  // kitchen's again as a marker: whatever passed the filter came before it.
  demo.sim.setState('binary_sensor.kitchen_motion', 'on');
  await es.waitFor((e) => e.ofType('automation_triggered').length === 1, 'the kitchen automation');
  demo.sim.setState('binary_sensor.kitchen_motion', 'off');
  demo.sim.setState('binary_sensor.hallway_motion', 'on');
  demo.sim.setState('binary_sensor.hallway_motion', 'off');
  demo.sim.setState('binary_sensor.kitchen_motion', 'on');
  await es.waitFor((e) => e.ofType('automation_triggered').length === 2, 'the marker');
  assert.deepEqual(es.messages.map((m) => m.json.type), ['connection', 'automation_triggered', 'automation_triggered']);
  assert.ok(es.ofType('automation_triggered').every((m) => (m.json.data as { automation_id: string }).automation_id === 'automation.kitchen_motion_lights'));
  demo.sim.setState('binary_sensor.kitchen_motion', 'off');
});

test('a selection follows registry changes: gained with its state, lost after moving out', async () => {
  const registries = demo.sim.core.registries;
  const es = open('area=office&initial_state=true');
  await es.waitFor((e) => stateIds(e).length === 2, 'the office snapshot');
  assert.deepEqual(stateIds(es).sort(), ['light.office_desk', 'sensor.office_co2']);

  // An entity that followed its device (the kitchen relay) gets the office as its own area.
  registries.updateEntity('light.kitchen', { area_id: 'office' });
  await es.waitFor((e) => stateIds(e).includes('light.kitchen'), 'light.kitchen gained');
  const gained = es.ofType('state_changed').find((m) => data(m).entity_id === 'light.kitchen')!;
  assert.equal(data(gained).state, demo.sim.core.states.get('light.kitchen')?.state, 'its current state');
  assert.equal(data(gained).old_state, null, 'as an initial-state frame');
  // A device moves in: its entities without an own area come with it.
  registries.updateDevice(demoDeviceId('coffee_maker_plug'), { area_id: 'office' });
  await es.waitFor((e) => stateIds(e).includes('switch.coffee_maker'), 'the plug switch gained');
  assert.ok(!stateIds(es).includes('sensor.coffee_maker_energy'), 'not the hidden sensor');
  demo.sim.setState('light.kitchen', 'on');
  await es.waitFor((e) => e.ofType('state_changed').some((m) => data(m).entity_id === 'light.kitchen' && data(m).state === 'on'), 'live for light.kitchen');

  // Out again: back to following its device, which is in the kitchen.
  const before = reads();
  registries.updateEntity('light.kitchen', { area_id: null });
  registries.updateDevice(demoDeviceId('coffee_maker_plug'), { area_id: 'kitchen' });
  await until(() => reads() > before, 'the re-read');
  const seen = es.messages.length;
  demo.sim.setState('light.kitchen', 'off');
  demo.sim.setState('switch.coffee_maker', 'on');
  demo.sim.setState('light.office_desk', 'on'); // the marker: still selected
  await es.waitFor((e) => e.ofType('state_changed').some((m) => data(m).entity_id === 'light.office_desk' && data(m).state === 'on'), 'the marker');
  assert.deepEqual(es.messages.slice(seen).map((m) => data(m).entity_id), ['light.office_desk'], 'the entities that left are not delivered');
  demo.sim.setState('light.office_desk', 'off');
  demo.sim.setState('switch.coffee_maker', 'off');
});

test('labels and floors follow too: a labelled entity, an area moved onto a floor', async () => {
  const registries = demo.sim.core.registries;
  // State changes only: the registry's own events name the entities too, and reach a stream that takes every type.
  const labelled = open('type=state&label=night_mode&initial_state=true');
  const floor = open('type=state&floor=ground_floor&initial_state=true');
  await labelled.waitFor((e) => stateIds(e).includes('script.good_night'), 'the label snapshot');
  await floor.waitFor((e) => stateIds(e).includes('light.kitchen'), 'the floor snapshot');
  registries.updateEntity('light.office_desk', { labels: ['night_mode'] });
  registries.updateArea('garden', { floor_id: 'ground_floor' });
  await labelled.waitFor((e) => stateIds(e).includes('light.office_desk'), 'light.office_desk gained by its label');
  await floor.waitFor((e) => stateIds(e).includes('switch.garden_pump'), 'the garden pump gained with its area');
  const before = reads();
  registries.updateEntity('light.office_desk', { labels: [] });
  registries.updateArea('garden', { floor_id: null });
  await until(() => reads() > before, 'the re-read');
  const seen = { labelled: labelled.messages.length, floor: floor.messages.length };
  demo.sim.setState('light.office_desk', 'on');
  demo.sim.setState('switch.garden_pump', 'on');
  demo.sim.setState('script.good_night', 'on'); // markers: still selected
  demo.sim.setState('light.kitchen', 'on');
  await labelled.waitFor((e) => e.messages.length > seen.labelled, 'the label marker');
  await floor.waitFor((e) => e.messages.length > seen.floor, 'the floor marker');
  assert.deepEqual(labelled.messages.slice(seen.labelled).map((m) => data(m).entity_id), ['script.good_night']);
  assert.deepEqual(floor.messages.slice(seen.floor).map((m) => data(m).entity_id), ['light.kitchen']);
  for (const id of ['light.office_desk', 'switch.garden_pump', 'script.good_night', 'light.kitchen']) demo.sim.setState(id, 'off');
});

test('an unknown id is not an error: the stream gains entities when the area is created', async () => {
  const registries = demo.sim.core.registries;
  const es = open('area=garage&label=nope&initial_state=true');
  await es.waitFor((e) => e.ofType('connection').length === 1, 'connection');
  const area = registries.createArea('Garage');
  assert.equal(area.area_id, 'garage');
  registries.updateEntity('cover.garage_door', { area_id: 'garage' });
  await es.waitFor((e) => stateIds(e).includes('cover.garage_door'), 'cover.garage_door gained');
  registries.deleteArea('garage');
});

test('the connections list shows what a selector selects', async () => {
  const es = open('area=office&events=state_changed');
  await es.waitFor((e) => e.ofType('connection').length === 1, 'connection');
  const id = String(es.ofType('connection')[0]!.json.id);
  const res = await request(`${demo.base}/api/sse/connections`, { headers: { Authorization: `Bearer ${demo.sim.adminToken}` } });
  const conn = (res.json.data as { connections: { id: string; subscriptions: { entity_id: string | null }[] }[] }).connections.find((c) => c.id === id);
  assert.deepEqual(conn?.subscriptions.map((s) => s.entity_id).sort(), ['light.office_desk', 'sensor.office_co2']);
});

describe('malformed selector values: 400 invalid_filter', () => {
  for (const query of ['area=Kitchen', 'area_id=kitchen!', `device_id=${'a'.repeat(65)}`, 'floor=first-floor', 'label_id=a b', 'integration=hue.light', 'area=ok&label=Bad']) {
    test(query, async () => {
      const res = await request(url(query));
      assert.equal(res.status, 400);
      assert.equal(res.json.success, false);
      assert.equal(res.json.error_code, 'invalid_filter');
      assert.match(String(res.json.message), /is not a valid (area|floor|label|device) id|integration domain/);
    });
  }
  test('a malformed entity id or glob stays invalid_parameter', async () => {
    const res = await request(url('entity_id=sensor.[ab]'));
    assert.equal(res.status, 400);
    assert.equal(res.json.error_code, 'invalid_parameter');
  });
});
