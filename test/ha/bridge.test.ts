/** HaBridge with a real HaConnection and the simulator: ref-counted subscriptions, cache, resync, status. */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HubEvent, UpstreamState } from '../../src/base/types.ts';
import { HaBridge } from '../../src/ha/bridge.ts';
import { HaConnection } from '../../src/ha/connection.ts';
import { HaSimulator } from '../../src/simulator/index.ts';
import { ping } from '../../src/ha/messages.ts';
import { captureLogger } from './helpers.ts';
import { until } from '../until.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const sim = new HaSimulator({ seed: 9 });
  await sim.start();
  cleanups.push(() => sim.stop());
  const { logger } = captureLogger();
  const connection = new HaConnection({ url: sim.wsUrl, token: sim.adminToken, logger, backoffBaseMs: 20, backoffCapMs: 100 });
  const published: HubEvent[] = [];
  const counted = { coreEvents: 0 };
  const bridge = new HaBridge({ connection, logger, publish: (event) => published.push(event), onCoreEvent: () => counted.coreEvents++ });
  const statuses: UpstreamState[] = [];
  bridge.onChange((state) => statuses.push(state));
  await bridge.start();
  await connection.start();
  cleanups.push(async () => {
    await bridge.stop();
    await connection.stop();
  });
  await until(() => bridge.state === 'connected', 'bridge connected');
  const subscribed = () => sim.activeSubscriptions().flatMap((s) => s.eventTypes).sort();
  /**
   * A ping round trip: core answers in order, so once the pong is back core has handled everything
   * sent before it and the bridge has read everything core sent before it (results, events).
   */
  const roundTrip = () => connection.command(ping());
  return { sim, connection, bridge, published, statuses, subscribed, roundTrip, counted };
}

test('one core subscription per needed type: subscribed on first interest, unsubscribed on last', async () => {
  const { bridge, subscribed, roundTrip } = await setup();
  assert.deepEqual(subscribed(), ['state_changed'], 'only the cache subscription at first');

  const releaseA = bridge.retain('service_called');
  const releaseB = bridge.retain('service_called');
  await until(() => subscribed().includes('call_service'), 'call_service subscribed');
  assert.deepEqual(subscribed(), ['call_service', 'state_changed']);
  const releaseScript = bridge.retain('script_executed');
  const releaseState = bridge.retain('state_changed');
  await until(() => subscribed().includes('script_started'), 'script_started subscribed');
  assert.deepEqual(subscribed(), ['call_service', 'script_started', 'state_changed'], 'state_changed is never subscribed twice');

  releaseA();
  releaseA(); // releasing twice is harmless
  await roundTrip(); // an unsubscribe sent by the releases has been handled by now
  assert.ok(subscribed().includes('call_service'), 'still held by B');
  releaseB();
  releaseScript();
  releaseState();
  await until(() => subscribed().length === 1, 'unsubscribed');
  assert.deepEqual(subscribed(), ['state_changed']);

  const releaseStar = bridge.retain('*');
  await until(() => subscribed().includes('*'), '* subscribed');
  releaseStar();
  await until(() => !subscribed().includes('*'), '* unsubscribed');
  assert.deepEqual(bridge.interests(), {});
});

test('never published twice when * and specific types are both held', async () => {
  const { sim, bridge, published, subscribed, roundTrip } = await setup();
  const releases = [bridge.retain('*'), bridge.retain('state_changed'), bridge.retain('service_called'), bridge.retain('state_reported')];
  await until(() => subscribed().length === 4, 'all subscribed');
  await roundTrip(); // the bridge has read the subscribe results, `*` among them
  sim.callService('switch', 'turn_on', { entity_id: 'switch.tv' });
  const tv = sim.core.states.get('switch.tv');
  sim.setState('switch.tv', 'on', tv?.attributes); // identical → state_reported, which * never carries
  sim.fireEvent('custom_thing', { a: 1 });
  await until(() => published.some((e) => e.type === 'custom_thing'), 'custom_thing published');
  assert.deepEqual(
    published.map((e) => e.type),
    ['service_called', 'state_changed', 'state_reported', 'custom_thing'],
  );

  releases[0]?.(); // without *, the specific subscriptions publish
  await until(() => !subscribed().includes('*'), '* gone');
  published.length = 0;
  sim.callService('switch', 'turn_off', { entity_id: 'switch.tv' });
  sim.fireEvent('custom_thing', { a: 2 });
  await until(() => published.some((e) => e.type === 'state_changed'), 'state_changed published');
  await roundTrip(); // core wrote any custom_thing event before the pong
  assert.deepEqual(published.map((e) => e.type), ['service_called', 'state_changed'], 'custom_thing is no longer wanted');
  for (const release of releases) release();
});

test('state cache: filled at connect, kept current, state_changed published only while retained', async () => {
  const { sim, bridge, published, roundTrip } = await setup();
  assert.equal(bridge.getStates().length, sim.core.states.all().length);
  sim.setState('sensor.office_co2', '999');
  await until(() => bridge.getState('sensor.office_co2')?.state === '999', 'cache updated');
  await roundTrip(); // nothing else of that change is still on its way
  assert.equal(published.length, 0, 'nobody retained state_changed');
  const release = bridge.retain('state_changed');
  sim.setState('sensor.office_co2', '1001');
  await until(() => published.length === 1, 'published');
  const event = published[0];
  assert.equal(event?.type, 'state_changed');
  assert.deepEqual(event?.entityIds, ['sensor.office_co2']);
  assert.deepEqual(event?.domains, ['sensor']);
  assert.equal((event?.data as { state: string }).state, '1001');
  assert.equal(((event?.data as { old_state: { state: string } }).old_state).state, '999');
  release();
});

test("the hub's own sensor writes are published but not counted as core events", async () => {
  const { sim, bridge, published, roundTrip, counted } = await setup();
  const release = bridge.retain('state_changed');
  await roundTrip();
  const before = counted.coreEvents;
  sim.setState('sensor.sse_hub_connections', '3');
  sim.setState('binary_sensor.sse_hub_upstream', 'on');
  sim.setState('sensor.office_co2', '640');
  await until(() => published.length === 3, 'all three published');
  await roundTrip();
  assert.deepEqual(published.map((e) => e.entityIds[0]), ['sensor.sse_hub_connections', 'binary_sensor.sse_hub_upstream', 'sensor.office_co2'], 'streams still get them');
  assert.equal(counted.coreEvents - before, 1, 'only the CO2 change counts');
  release();
});

test('core restarted 10 times during a stream: resync events for what changed while away, status each time', async () => {
  const { sim, bridge, published, statuses, roundTrip } = await setup();
  const release = bridge.retain('state_changed');
  await roundTrip();
  assert.deepEqual(statuses, ['connected']);
  statuses.length = 0;
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 3; i++) sim.demoStep(); // live traffic
    const restarted = sim.restart();
    // While core is away: one change, one new entity, one removal (every other round).
    sim.setState('sensor.outdoor_temperature', String(10 + round));
    sim.setState(`sensor.extra_${round}`, 'new', { friendly_name: `Extra ${round}` });
    if (round > 0) sim.removeEntity(`sensor.extra_${round - 1}`);
    await restarted;
    await until(() => statuses.length === 2 * (round + 1) && bridge.state === 'connected', `reconnected (round ${round})`);
    const resync = published.filter((e) => e.resync);
    const forOutdoor = resync.filter((e) => e.entityIds[0] === 'sensor.outdoor_temperature' && (e.data as { state: string }).state === String(10 + round));
    assert.equal(forOutdoor.length, 1, `exactly one resync event for the changed sensor (round ${round})`);
    assert.equal((forOutdoor[0]?.data as { resync?: boolean }).resync, true);
    assert.ok(resync.some((e) => e.entityIds[0] === `sensor.extra_${round}` && (e.data as { old_state: unknown }).old_state === null), 'appeared');
    if (round > 0) {
      const removed = resync.filter((e) => e.entityIds[0] === `sensor.extra_${round - 1}` && (e.data as { state: unknown }).state === null);
      assert.equal(removed.length, 1, 'disappeared');
      assert.deepEqual((removed[0]?.data as { attributes: unknown }).attributes, {});
    }
  }
  assert.deepEqual(statuses, Array.from({ length: 10 }, () => ['disconnected', 'connected']).flat());
  assert.equal(bridge.getState('sensor.outdoor_temperature')?.state, '19');
  assert.equal(bridge.getStates().length, sim.core.states.all().length);
  // A state version (entity + last_updated) is resynchronized at most once.
  const changes = published.filter((e) => e.resync).map((e) => `${e.entityIds[0]}@${(e.data as { last_updated: string }).last_updated}`);
  assert.equal(new Set(changes).size, changes.length, 'no resync event published twice');
  release();
});

test('automation and script events are published normalized, concerning their entity', async () => {
  const { sim, bridge, published, subscribed, roundTrip } = await setup();
  const releases = [bridge.retain('automation_triggered'), bridge.retain('script_executed')];
  await until(() => subscribed().length === 3, 'subscribed');
  await roundTrip(); // the bridge has read both subscribe results
  sim.setState('binary_sensor.front_door', 'on'); // → automation → script.evening_lights
  await until(() => published.length === 2, 'both published');
  assert.deepEqual(
    published.map((e) => [e.type, e.entityIds, e.domains]),
    [
      ['automation_triggered', ['automation.front_door_evening'], ['automation']],
      ['script_executed', ['script.evening_lights'], ['script']],
    ],
  );
  assert.deepEqual(published[1]?.data, { script_id: 'script.evening_lights', name: 'Evening lights', execution_data: { status: 'started' } });
  for (const release of releases) release();
});

test('stop() removes every core subscription', async () => {
  const { bridge, subscribed } = await setup();
  bridge.retain('*');
  bridge.retain('automation_triggered');
  await until(() => subscribed().length === 3, 'subscribed');
  await bridge.stop();
  await until(() => subscribed().length === 0, 'all gone');
  assert.equal(bridge.state, 'disconnected');
});
