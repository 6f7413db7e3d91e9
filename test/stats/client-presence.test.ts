/**
 * Named clients as entities (src/stats/client-presence.ts, DOCS.md "Named clients"): the presence
 * rules on a fake clock and a fake registry, then end to end in demo mode: a stream opened with
 * `client=` (and one with `X-Client-Name`) is listed under its name and turns
 * `binary_sensor.sse_hub_client_<name>` on in the simulator's core, off after the grace period,
 * and the name is published again by a restarted server that reads the same data directory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { SseHubServer } from '../../src/app/server.ts';
import { ClientPresence } from '../../src/stats/client-presence.ts';
import type { ConnectionSnapshot } from '../../src/base/types.ts';
import { RecordingEventSource } from '../http/subscribe-harness.ts';
import { until } from '../until.ts';
import { captureLogger } from '../log-capture.ts';
import { childEnv } from '../process-harness.ts';

const T0 = Date.UTC(2026, 10, 23, 12);

function conn(name: string | null, extra: Partial<ConnectionSnapshot> = {}): ConnectionSnapshot {
  return {
    id: `c-${String(name)}-${String(extra.connectedAt ?? 0)}`,
    clientId: 'u',
    userId: 'u',
    userName: 'U',
    connectedAt: T0,
    lastEventAt: null,
    eventsSent: 0,
    bytesSent: 0,
    subscriptions: [],
    state: 'active',
    ipAddress: '192.168.1.20',
    userAgent: 'Tablet/1.0',
    httpVersion: '1.1',
    listener: 'lan',
    backlogBytes: 0,
    clientName: name,
    ...extra,
  };
}

describe('client presence rules', () => {
  it('on while a stream is open, on through the grace period, off after it; a resume within it keeps connected_since', () => {
    let now = T0;
    let open: ConnectionSnapshot[] = [conn('kitchen', { lastEventAt: T0 + 61_000 }), conn(null)];
    const presence = new ClientPresence({ registry: { list: () => open }, graceMs: 30_000, now: () => now });
    const sensor = () => presence.sensors().find((s) => s.entity_id === 'binary_sensor.sse_hub_client_kitchen')!;
    assert.deepEqual(sensor(), {
      entity_id: 'binary_sensor.sse_hub_client_kitchen',
      state: 'on',
      attributes: {
        friendly_name: 'SSE Hub client kitchen',
        device_class: 'connectivity',
        address: '192.168.1.20',
        user_agent: 'Tablet/1.0',
        connected_since: new Date(T0).toISOString(),
        last_event_at: new Date(T0 + 60_000).toISOString(),
      },
    });
    assert.equal(presence.sensors().length, 1, 'streams without a name have no entity');
    open = [];
    now += 29_999;
    assert.equal(sensor().state, 'on', 'within the grace period');
    open = [conn('kitchen', { connectedAt: now, ipAddress: '192.168.1.21' })]; // the resume
    now += 10_000;
    assert.equal(sensor().state, 'on');
    assert.equal(sensor().attributes.connected_since, new Date(T0).toISOString(), 'still the first connect');
    assert.equal(sensor().attributes.address, '192.168.1.21');
    open = [];
    now += 29_999;
    assert.equal(sensor().state, 'on');
    now += 1;
    assert.equal(sensor().state, 'off');
    assert.equal(sensor().attributes.connected_since, '');
  });
});

describe('named clients end to end (demo mode)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sse-hub-clients-'));
  const servers: SseHubServer[] = [];
  const streams: RecordingEventSource[] = [];
  after(async () => {
    for (const es of streams) es.close();
    for (const server of servers) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const env = { DEMO_EVENT_RATE: '0', STREAM_LIMIT: '100', HA_SENSOR_INTERVAL: '1', CLIENT_OFFLINE_GRACE_SECONDS: '1' };
  async function start(): Promise<SseHubServer> {
    const server = new SseHubServer(loadConfig(childEnv(dir, env)), captureLogger('warning').logger, { shutdownGraceMs: 200 });
    servers.push(server);
    await server.start();
    await until(() => server.bridge.state === 'connected', 'upstream connected', 5000);
    return server;
  }

  it('a named stream is listed under its name and turns its entity on, then off after the grace; a restart publishes it again', async () => {
    const server = await start();
    const sim = server.simulator!;
    const base = `http://127.0.0.1:${String(server.lan.port)}`;
    const state = (id: string) => server.simulator!.core.states.get(id);
    const kitchen = new RecordingEventSource(`${base}/subscribe_events?token=${sim.adminToken}&domain=light&client=kitchen_tablet`);
    const hall = new RecordingEventSource(`${base}/subscribe_events?token=${sim.adminToken}&domain=light`, { 'X-Client-Name': 'hall_esp32' });
    streams.push(kitchen, hall);
    await kitchen.waitFor((s) => s.ofType('connection').length === 1, 'connection');
    await hall.waitFor((s) => s.ofType('connection').length === 1, 'connection');

    const res = await fetch(`${base}/api/sse/connections`, { headers: { Authorization: `Bearer ${sim.adminToken}` } });
    const names = ((await res.json()) as { data: { connections: { client_name: string | null }[] } }).data.connections.map((c) => c.client_name).sort();
    assert.deepEqual(names, ['hall_esp32', 'kitchen_tablet']);

    await until(() => state('binary_sensor.sse_hub_client_kitchen_tablet')?.state === 'on', 'kitchen on', 10_000);
    await until(() => state('binary_sensor.sse_hub_client_hall_esp32')?.state === 'on', 'hall on', 10_000);
    const entity = state('binary_sensor.sse_hub_client_kitchen_tablet')!;
    assert.equal(entity.attributes.device_class, 'connectivity');
    assert.equal(entity.attributes.address, '127.0.0.1');
    assert.match(String(entity.attributes.connected_since), /^\d{4}-\d\d-\d\dT/);
    assert.ok('user_agent' in entity.attributes && 'last_event_at' in entity.attributes);

    kitchen.close();
    await until(() => state('binary_sensor.sse_hub_client_kitchen_tablet')?.state === 'off', 'kitchen off after the grace', 10_000);
    assert.equal(state('binary_sensor.sse_hub_client_hall_esp32')?.state, 'on', 'the other name stays on');

    hall.close();
    await server.stop();
    const again = await start();
    await until(() => again.simulator!.core.states.get('binary_sensor.sse_hub_client_kitchen_tablet')?.state === 'off', 'kitchen known after the restart', 10_000);
    await until(() => again.simulator!.core.states.get('binary_sensor.sse_hub_client_hall_esp32')?.state === 'off', 'hall known after the restart', 10_000);
  });

  it('a malformed name is a 400', async () => {
    const server = servers.at(-1)!;
    const base = `http://127.0.0.1:${String(server.lan.port)}`;
    const token = server.simulator!.adminToken;
    for (const [query, headers] of [
      ['client=Kitchen', {}],
      ['client=a-b', {}],
      [`client=${'x'.repeat(33)}`, {}],
      ['', { 'X-Client-Name': 'no spaces' }],
    ] as const) {
      const res = await fetch(`${base}/subscribe_events?${query}`, { headers: { Authorization: `Bearer ${token}`, ...headers } });
      assert.equal(res.status, 400, query);
      assert.equal(((await res.json()) as { error_code: string }).error_code, 'invalid_parameter');
    }
  });
});
