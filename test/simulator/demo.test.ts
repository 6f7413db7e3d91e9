/** The demo home: believable entities, automations with linked contexts, and a paced event stream. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoreEvent } from '../../src/ha/messages.ts';
import { HaSimulator } from '../../src/simulator/index.ts';
import { FakeClock } from '../fake-clock.ts';
import { until } from '../until.ts';

test('at least 30 entities across the expected domains', () => {
  const sim = new HaSimulator({ seed: 1 });
  const domains = new Set(sim.core.states.all().map((s) => s.entity_id.split('.')[0]));
  assert.ok(sim.core.states.all().length >= 30);
  for (const domain of ['light', 'switch', 'sensor', 'binary_sensor', 'climate', 'cover', 'automation', 'script', 'person']) {
    assert.ok(domains.has(domain), domain);
  }
});

test('motion → automation_triggered (parent = motion context) → call_service → light on, in that order', async () => {
  const sim = new HaSimulator({ seed: 2 });
  const events: CoreEvent[] = [];
  sim.core.bus.listen('*', (event) => events.push(event));
  sim.setState('binary_sensor.kitchen_motion', 'on');
  await until(() => events.some((e) => e.event_type === 'state_changed' && e.data.entity_id === 'light.kitchen'), 'the light turned on');
  assert.deepEqual(
    events.map((e) => `${e.event_type}:${String(e.data.entity_id ?? e.data.domain)}`),
    [
      'state_changed:binary_sensor.kitchen_motion',
      'automation_triggered:automation.kitchen_motion_lights',
      'state_changed:automation.kitchen_motion_lights',
      'call_service:light',
      'state_changed:light.kitchen',
    ],
  );
  const [motion, triggered, , called, light] = events;
  assert.equal(triggered?.data.source, 'state of binary_sensor.kitchen_motion');
  assert.equal(triggered?.context.parent_id, motion?.context.id);
  assert.equal(triggered?.context.user_id, null);
  assert.equal(called?.context.id, triggered?.context.id);
  assert.equal(light?.context.id, triggered?.context.id);
  assert.equal(sim.core.states.get('light.kitchen')?.attributes.brightness, 204);
});

test('the front door runs a script through an automation (script_started with the automation context)', async () => {
  const sim = new HaSimulator({ seed: 3 });
  const started: CoreEvent[] = [];
  sim.core.bus.listen('script_started', (event) => started.push(event));
  sim.setState('binary_sensor.front_door', 'on');
  await until(() => sim.core.states.get('light.porch')?.state === 'on', 'the porch light turned on');
  assert.equal(started.length, 1);
  assert.deepEqual(started[0]?.data, { name: 'Evening lights', entity_id: 'script.evening_lights' });
  assert.notEqual(started[0]?.context.parent_id, null);
  assert.equal(sim.core.states.get('light.porch')?.state, 'on');
});

test('eventRate paces the stream; 0 keeps the home quiet', async () => {
  const clock = new FakeClock(0);
  const activityClock = { now: clock.now, timers: clock };
  const busy = new HaSimulator({ seed: 4, eventRate: 100, activityClock });
  const quiet = new HaSimulator({ seed: 4, eventRate: 0, activityClock });
  await busy.start();
  await quiet.start();
  const before = { busy: busy.core.bus.total, quiet: quiet.core.bus.total };
  const produced = () => busy.core.bus.total - before.busy;
  assert.equal(produced(), 0, 'nothing before the first tick');
  for (let tick = 0; tick < 25; tick++) {
    clock.advance(20); // one 20 ms tick at 100 events/s
    await new Promise((resolve) => setImmediate(resolve)); // automations react in microtasks
  }
  await busy.stop();
  await quiet.stop();
  // 100 events/s for 0.5 s: 50, plus at most the reactions to the last step (an automation's few events).
  assert.ok(produced() >= 50 && produced() <= 60, `busy home produced ${produced()} events`);
  assert.equal(quiet.core.bus.total, before.quiet);
  const types = new Set([...busy.core.bus.fired.keys()]);
  assert.ok(types.has('state_changed'));
});
