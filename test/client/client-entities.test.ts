/**
 * The client library with `format=entities` against the real server in demo mode: `client.states`
 * kept from `a`/`c`/`r` messages (snapshot, diffs with `fields`, removal), the `entities` event,
 * the stream's name in the connection list, and a resume across a listener restart that ends with
 * the same states as Home Assistant.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import { type EntitiesUpdate, type SseClient, connect } from '../../src/web/client/index.ts';
import { subscribeUrl } from '../../src/web/client/options.ts';
import { type DemoServer, startDemoServer } from './client-harness.ts';
import { until } from '../until.ts';

let demo: DemoServer;
const clients: SseClient[] = [];
const witnesses: EventSource[] = [];
before(async () => {
  demo = await startDemoServer();
});
after(async () => {
  for (const client of clients) client.close();
  for (const witness of witnesses) witness.close();
  await demo.stop();
});

const A = 'sensor.entities_a';
const B = 'light.entities_b';

describe('client with format=entities', () => {
  it('puts the shaping options and the client name in the request', () => {
    const url = subscribeUrl({ url: 'http://hub:3000', area: 'kitchen', fields: ['state', 'attributes.brightness'], format: 'entities', throttle: 500, client: 'kitchen_tablet' }, false);
    assert.equal(url.search, '?area=kitchen&fields=state%2Cattributes.brightness&format=entities&throttle=500&client=kitchen_tablet');
  });

  it('keeps client.states from a, c and r; only the fields asked for; listed under its name', async () => {
    const { sim, base } = demo;
    sim.setState(A, '1', { unit_of_measurement: 'W', friendly_name: 'A' });
    sim.setState(B, 'off', { brightness: 0 });
    const client = connect({ url: base, token: sim.adminToken, entity_id: [A, B], format: 'entities', fields: ['state', 'attributes.brightness'], client: 'test_tablet', cache: false });
    clients.push(client);
    const updates: EntitiesUpdate[] = [];
    client.on('entities', (update) => updates.push(update));
    await until(() => Object.keys(client.states).length === 2, 'the snapshot');
    assert.deepEqual(client.states[A]!.attributes, {}, 'only brightness was asked for');
    assert.equal(client.states[B]!.state, 'off');

    sim.setState(B, 'on', { brightness: 99 });
    await until(() => client.states[B]?.state === 'on', 'the diff');
    assert.deepEqual(client.states[B]!.attributes, { brightness: 99 });
    assert.deepEqual(updates.at(-1)!.message, { c: { [B]: { '+': { s: 'on', a: { brightness: 99 } } } } }, 'no times: they were not asked for');

    sim.removeEntity(A);
    await until(() => !(A in client.states), 'the removal');
    assert.deepEqual(updates.at(-1)!.message, { r: [A] });
    assert.equal(updates.at(-1)!.changed[0]!.state, null);

    const res = await fetch(`${base}/api/sse/connections`, { headers: { Authorization: `Bearer ${sim.adminToken}` } });
    const listed = ((await res.json()) as { data: { connections: { client_name: string | null }[] } }).data.connections;
    assert.ok(listed.some((c) => c.client_name === 'test_tablet'));
  });

  it('resumes across a listener restart and ends with the states Home Assistant has', { timeout: 20_000 }, async () => {
    const { server, sim, base } = demo;
    const C = 'sensor.entities_c';
    sim.setState(C, '0', { step: 0 });
    // A stream on the ingress listener keeps core's subscription while the LAN listener is down.
    const witness = new EventSource(`http://127.0.0.1:${server.ingress.port}/subscribe_events?token=${sim.adminToken}&entity_id=${C}`);
    witnesses.push(witness);
    await new Promise<void>((resolve, reject) => ((witness.onopen = () => resolve()), (witness.onerror = reject)));
    const client = connect({ url: base, token: sim.adminToken, entity_id: C, format: 'entities', cache: false, backoff: { baseMs: 50, capMs: 200 } });
    clients.push(client);
    let snapshots = 0;
    client.on('states', () => snapshots++);
    await until(() => client.states[C]?.state === '0', 'the snapshot');
    await server.lan.stop();
    await until(() => client.status === 'reconnecting', 'the drop');
    for (let i = 1; i <= 4; i++) sim.setState(C, String(i), i % 2 ? { step: i, odd: true } : { step: i });
    await server.lan.start();
    // The client waits the server's retry: hint (3 s by default) before it reconnects.
    await until(() => client.states[C]?.state === '4', 'the replayed diffs', 10_000);
    assert.deepEqual(client.states[C]!.attributes, { step: 4 }, 'the attribute removed meanwhile is gone');
    assert.equal(snapshots, 1, 'a resume within the buffer replays diffs, no second snapshot');
  });
});
