/**
 * `GET /api/sse/registries` against the real server in demo mode: the demo home's areas (with
 * their floors), floors, labels and devices (with their areas, the user's name first) by name,
 * admins only (the error envelope: 401 without a token, 403 for a non-admin user), and the
 * answer follows a registry change once the hub has read the registries again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type DemoServer, startDemoServer } from '../demo-server.ts';
import { demoDeviceId } from '../../src/simulator/demo-registry.ts';
import { until } from '../until.ts';

let demo: DemoServer;
before(async () => {
  demo = await startDemoServer({ DEMO_EVENT_RATE: '0', RATE_LIMIT_PER_MINUTE: '100000' });
  await until(() => demo.server.registries.reads >= 1, 'the registries read');
});
after(() => demo.stop());

type Named = { id: string; name: string; floor_id?: string; area_id?: string };
interface Answer {
  success: boolean;
  data?: { areas: Named[]; floors: Named[]; labels: Named[]; devices: Named[] };
  error?: { code: string };
}

async function get(token: string | undefined): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`${demo.base}/api/sse/registries`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as Answer };
}

test('an administrator gets the areas, floors, labels and devices by name', async () => {
  const { status, body } = await get(demo.sim.adminToken);
  assert.equal(status, 200);
  const data = body.data!;
  assert.deepEqual(
    data.areas.map((a) => [a.id, a.name, a.floor_id]),
    [
      ['bedroom', 'Bedroom', 'first_floor'],
      ['garden', 'Garden', undefined],
      ['hallway', 'Hallway', 'ground_floor'],
      ['kitchen', 'Kitchen', 'ground_floor'],
      ['living_room', 'Living Room', 'ground_floor'],
      ['office', 'Office', 'first_floor'],
    ],
  );
  assert.ok(!('floor_id' in data.areas.find((a) => a.id === 'garden')!), 'an area without a floor has no floor_id');
  assert.deepEqual(data.floors, [
    { id: 'first_floor', name: 'First Floor' },
    { id: 'ground_floor', name: 'Ground Floor' },
  ]);
  assert.deepEqual(data.labels, [
    { id: 'energy', name: 'Energy' },
    { id: 'night_mode', name: 'Night mode' },
    { id: 'security', name: 'Security' },
  ]);
  // The user's name wins over the integration's; a device without an area has no area_id.
  assert.deepEqual(data.devices.find((d) => d.id === demoDeviceId('kitchen_relay')), { id: demoDeviceId('kitchen_relay'), name: 'Kitchen relay', area_id: 'kitchen' });
  assert.deepEqual(data.devices.find((d) => d.id === demoDeviceId('energy_meter')), { id: demoDeviceId('energy_meter'), name: 'Smart meter' });
  const names = data.devices.map((d) => d.name);
  assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b)), 'devices sorted by name');
});

test('admins only: 401 without a token, 403 for a non-admin user, in the error envelope', async () => {
  const anonymous = await get(undefined);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.success, false);
  const user = await get(demo.sim.userToken);
  assert.equal(user.status, 403);
  assert.equal(user.body.success, false);
  assert.equal(user.body.data, undefined);
});

test('the answer follows a registry change', async () => {
  const before = demo.server.registries.reads;
  demo.sim.core.registries.updateArea('garden', { name: 'Back Garden', floor_id: 'ground_floor' });
  await until(() => demo.server.registries.reads > before, 'the registries read again');
  const { body } = await get(demo.sim.adminToken);
  assert.deepEqual(body.data!.areas.find((a) => a.id === 'garden'), { id: 'garden', name: 'Back Garden', floor_id: 'ground_floor' });
});
