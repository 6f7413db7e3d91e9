/** The simulator's REST endpoints answer like core's (developers docs/api/rest.md). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { HaSimulator } from '../../src/simulator/index.ts';

let sim: HaSimulator;
before(async () => {
  sim = new HaSimulator({ seed: 41 });
  await sim.start();
});
after(() => sim.stop());

const get = (path: string, token?: string) => fetch(`${sim.url}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
const post = (path: string, body: string, token = sim.adminToken) =>
  fetch(`${sim.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body });

test('GET /api/ → 200 API running with a valid token, 401 without or with a wrong one', async () => {
  const ok = await get('/api/', sim.userToken);
  assert.deepEqual([ok.status, await ok.json()], [200, { message: 'API running.' }]);
  const failed = sim.failedLogins;
  const none = await get('/api/');
  assert.deepEqual([none.status, await none.text()], [401, '401: Unauthorized']);
  assert.equal((await get('/api/', 'nope-nope-nope-nope')).status, 401);
  assert.equal(sim.failedLogins, failed + 2, 'each 401 is a failed login in core');
});

test('POST /api/services changes state and answers the changed states', async () => {
  const res = await post('/api/services/light/turn_on', JSON.stringify({ entity_id: 'light.porch', brightness: 100 }));
  assert.equal(res.status, 200);
  const changed = (await res.json()) as { entity_id: string; state: string; attributes: { brightness: number } }[];
  assert.deepEqual(changed.map((s) => [s.entity_id, s.state, s.attributes.brightness]), [['light.porch', 'on', 100]]);
  assert.equal((await post('/api/services/light/nope', '{}')).status, 400);
  assert.equal((await post('/api/services/light/turn_on', '{oops')).status, 400);
});

test('POST /api/events fires with origin REMOTE; body must be an object', async () => {
  const seen: { origin: string; data: unknown }[] = [];
  const stop = sim.core.bus.listen('rest_event', (event) => seen.push(event));
  const res = await post('/api/events/rest_event', JSON.stringify({ x: 1 }));
  assert.deepEqual([res.status, await res.json()], [200, { message: 'Event rest_event fired.' }]);
  assert.deepEqual(seen.map((e) => [e.origin, e.data]), [['REMOTE', { x: 1 }]]);
  assert.equal((await post('/api/events/rest_event', '[1,2]')).status, 400);
  stop();
});

test('GET /api/states and /api/states/<id>', async () => {
  const all = (await (await get('/api/states', sim.adminToken)).json()) as unknown[];
  assert.ok(all.length >= 30);
  assert.equal((await get('/api/states/sun.sun', sim.adminToken)).status, 200);
  assert.equal((await get('/api/states/sun.moon', sim.adminToken)).status, 404);
});

test('POST /api/states/<id> writes a state and fires state_changed: 201 when new, 200 after; admin only', async () => {
  const seen: unknown[] = [];
  const stop = sim.core.bus.listen('state_changed', (event) => seen.push((event.data as { new_state: { state: string } }).new_state.state));
  const created = await post('/api/states/sensor.rest_written', JSON.stringify({ state: '21.5', attributes: { unit_of_measurement: '°C' } }));
  assert.equal(created.status, 201);
  const body = (await created.json()) as { entity_id: string; state: string; attributes: Record<string, unknown> };
  assert.deepEqual([body.entity_id, body.state, body.attributes], ['sensor.rest_written', '21.5', { unit_of_measurement: '°C' }]);
  assert.equal((await post('/api/states/sensor.rest_written', JSON.stringify({ state: 22 }))).status, 200);
  assert.equal(sim.core.states.get('sensor.rest_written')?.state, '22');
  assert.deepEqual(seen, ['21.5', '22']);
  assert.equal((await post('/api/states/sensor.rest_written', JSON.stringify({ attributes: {} }))).status, 400);
  assert.equal((await post('/api/states/sensor.rest_written', JSON.stringify({ state: '1' }), sim.userToken)).status, 401);
  stop();
});
