/** HaRestClient against the simulator's REST API. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { UpstreamUnavailableError } from '../../src/base/errors.ts';
import { HaRestError } from '../../src/ha/errors.ts';
import { HaRestClient } from '../../src/ha/rest.ts';
import { HaSimulator } from '../../src/simulator/index.ts';
import { RawClient } from '../simulator/raw-client.ts';

let sim: HaSimulator;
let client: HaRestClient;
before(async () => {
  sim = new HaSimulator({ seed: 31 });
  await sim.start();
  client = new HaRestClient({ baseUrl: () => sim.url, token: sim.adminToken });
});
after(() => sim.stop());

test('callService: persistent notification created and the call recorded (without the token)', async () => {
  await client.callService('persistent_notification', 'create', { title: 'SSE Hub', message: 'CPU high', notification_id: 'sse_hub_cpu' });
  assert.deepEqual(sim.core.notifications.get('sse_hub_cpu')?.message, 'CPU high');
  const call = await sim.waitForRest((c) => c.path === '/api/services/persistent_notification/create');
  assert.deepEqual([call.method, call.status, call.userId], ['POST', 200, sim.adminUser.id]);
  assert.deepEqual(call.body, { title: 'SSE Hub', message: 'CPU high', notification_id: 'sse_hub_cpu' });
  assert.ok(!JSON.stringify(sim.restCalls).includes(sim.adminToken));
  await client.callService('persistent_notification', 'dismiss', { notification_id: 'sse_hub_cpu' });
  assert.equal(sim.core.notifications.has('sse_hub_cpu'), false);
});

test('callService: any notify.* service is accepted and recorded', async () => {
  await client.callService('notify', 'mobile_app_phone', { message: 'hello' });
  assert.deepEqual(sim.core.notifyCalls.at(-1), { service: 'mobile_app_phone', data: { message: 'hello' } });
});

test('fireEvent: the event reaches websocket subscribers with origin REMOTE', async () => {
  const ws = await RawClient.authenticated(sim.wsUrl, sim.adminToken);
  ws.send({ id: 2, type: 'subscribe_events', event_type: 'sse_hub_alert' });
  await ws.next();
  await client.fireEvent('sse_hub_alert', { alert: 'cpu' });
  const event = (await ws.nextJson()) as { event: { data: unknown; origin: string } };
  assert.deepEqual([event.event.data, event.event.origin], [{ alert: 'cpu' }, 'REMOTE']);
  ws.close();
});

test('errors are typed and never carry the token', async () => {
  const bad = new HaRestClient({ baseUrl: sim.url, token: 'a-wrong-token-for-rest-calls' });
  const unauthorized = await bad.callService('notify', 'x', {}).catch((err: unknown) => err);
  assert.ok(unauthorized instanceof HaRestError);
  assert.equal(unauthorized.status, 401);
  assert.ok(!unauthorized.message.includes('a-wrong-token-for-rest-calls'));

  const notFound = await client.callService('light', 'explode', {}).catch((err: unknown) => err);
  assert.ok(notFound instanceof HaRestError && notFound.status === 400);

  const user = new HaRestClient({ baseUrl: sim.url, token: sim.userToken });
  const forbidden = await user.fireEvent('x', {}).catch((err: unknown) => err);
  assert.ok(forbidden instanceof HaRestError && forbidden.status === 401, 'firing events is admin-only');

  const offline = new HaRestClient({ baseUrl: 'http://127.0.0.1:9', token: sim.adminToken, timeoutMs: 2000 });
  const down = await offline.fireEvent('x').catch((err: unknown) => err);
  assert.ok(down instanceof UpstreamUnavailableError);
  assert.ok(!down.message.includes(sim.adminToken));

  await assert.rejects(client.callService('notify', '../../api/events/x'), RangeError);
});
