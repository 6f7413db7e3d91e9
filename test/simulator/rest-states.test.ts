/**
 * The simulator keeps states set through core's `POST /api/states/<entity_id>` and reports them over
 * the websocket like core: a `state_changed` event to subscribers and the entry in `get_states`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HaSimulator } from '../../src/simulator/index.ts';
import { RawClient } from './raw-client.ts';

let sim: HaSimulator;
before(async () => {
  sim = new HaSimulator({ seed: 7 });
  await sim.start();
});
after(() => sim.stop());

const setState = (entityId: string, body: unknown, token = sim.adminToken) =>
  fetch(`${sim.url}/api/states/${entityId}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

test('a new state answers 201 with Location; it reaches websocket subscribers and get_states', async () => {
  const client = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
  client.send({ id: 2, type: 'subscribe_events', event_type: 'state_changed' });
  await client.until((m) => m.id === 2 && m.type === 'result');

  const attributes = { unit_of_measurement: 'ms', state_class: 'measurement', friendly_name: 'SSE Hub latency p95' };
  const res = await setState('sensor.sse_hub_latency_p95', { state: 12.5, attributes });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('location'), '/api/states/sensor.sse_hub_latency_p95');
  const body = (await res.json()) as { entity_id: string; state: string; attributes: unknown };
  assert.deepEqual([body.entity_id, body.state, body.attributes], ['sensor.sse_hub_latency_p95', '12.5', attributes]);

  const event = await client.until((m) => m.type === 'event' && (m.event as { data: { entity_id: string } }).data.entity_id === 'sensor.sse_hub_latency_p95');
  const data = (event.event as { data: { old_state: unknown; new_state: { state: string } } }).data;
  assert.equal(data.old_state, null);
  assert.equal(data.new_state.state, '12.5');

  client.send({ id: 3, type: 'get_states' });
  const states = (await client.until((m) => m.id === 3)).result as { entity_id: string; state: string; attributes: unknown }[];
  const held = states.find((s) => s.entity_id === 'sensor.sse_hub_latency_p95');
  assert.deepEqual([held?.state, held?.attributes], ['12.5', attributes]);

  // An update answers 200 and fires state_changed with the old state.
  const again = await setState('sensor.sse_hub_latency_p95', { state: '20', attributes });
  assert.equal(again.status, 200);
  const second = await client.until(
    (m) => m.type === 'event' && (m.event as { data: { new_state: { state: string } } }).data.new_state.state === '20',
  );
  assert.equal((second.event as { data: { old_state: { state: string } } }).data.old_state.state, '12.5');
  client.ws.close();
});

test('refusals as in core: non-admin 401, no state 400, a bad entity id 400, bad JSON 400', async () => {
  assert.equal((await setState('sensor.x', { state: '1' }, sim.userToken)).status, 401);
  const noState = await setState('sensor.x', { attributes: {} });
  assert.deepEqual([noState.status, await noState.json()], [400, { message: 'No state specified.' }]);
  assert.equal((await setState('not-an-id', { state: '1' })).status, 400);
  assert.equal((await setState('sensor.x', '{oops')).status, 400);
  assert.equal(sim.core.states.get('sensor.x'), undefined);
});
