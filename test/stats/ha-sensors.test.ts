/**
 * The hub's own figures as Home Assistant entities, end to end in demo mode: the product writes
 * them through core's REST states API into the simulator, with the attributes Home Assistant's
 * recorder and frontend read, and they follow the hub's figures.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SseHubServer } from '../../src/app/server.ts';
import type { HaSimulator } from '../../src/simulator/index.ts';
import { type DemoServer, startDemoServer } from '../demo-server.ts';
import { RecordingEventSource } from '../http/subscribe-harness.ts';
import { until } from '../until.ts';

let demo: DemoServer;
let server: SseHubServer;
let sim: HaSimulator;
const streams: RecordingEventSource[] = [];

before(async () => {
  demo = await startDemoServer({ DEMO_EVENT_RATE: '0', STREAM_LIMIT: '100', HA_SENSOR_INTERVAL: '1' }, { logLevel: 'warning', options: { shutdownGraceMs: 200 } });
  ({ server, sim } = demo);
});

after(async () => {
  for (const es of streams) es.close();
  await demo.stop();
});

const state = (entityId: string) => sim.core.states.get(entityId);

describe('hub sensors in Home Assistant', () => {
  it('appear in core with units, classes and names', async () => {
    await until(() => state('binary_sensor.sse_hub_upstream')?.state === 'on', 'the upstream sensor', 10_000);
    const connections = state('sensor.sse_hub_connections')!;
    assert.equal(connections.state, '0');
    assert.deepEqual(
      { ...connections.attributes, icon: undefined },
      { friendly_name: 'SSE Hub connections', unit_of_measurement: 'connections', state_class: 'measurement', icon: undefined },
    );
    assert.equal(state('sensor.sse_hub_latency_p95')!.attributes.device_class, 'duration');
    assert.equal(state('sensor.sse_hub_memory')!.attributes.unit_of_measurement, 'MiB');
    assert.ok(Number(state('sensor.sse_hub_memory')!.state) > 10, 'the process RSS in MiB');
    assert.ok(state('sensor.sse_hub_events_per_second'));
    assert.ok(state('sensor.sse_hub_deliveries_per_second'));
    assert.equal(state('binary_sensor.sse_hub_alert_connections')?.state, 'off');
    assert.equal(state('binary_sensor.sse_hub_upstream')!.attributes.device_class, 'connectivity');
  });

  it('follow the hub: two streams open, the connections sensor says 2', async () => {
    for (let i = 0; i < 2; i++) {
      const es = new RecordingEventSource(`http://127.0.0.1:${server.lan.port}/subscribe_events?token=${sim.adminToken}&domain=light`);
      streams.push(es);
      await es.waitFor((s) => s.ofType('connection').length === 1, 'connection');
    }
    await until(() => state('sensor.sse_hub_connections')?.state === '2', 'sensor.sse_hub_connections = 2', 10_000);
  });

  it("come back from core as state_changed: streams get them, the hub's events-in figures leave them out", async () => {
    const es = new RecordingEventSource(`http://127.0.0.1:${server.lan.port}/subscribe_events?token=${sim.adminToken}&events=state_changed`);
    streams.push(es);
    await es.waitFor((s) => s.ofType('connection').length === 1, 'connection');
    const before = server.metrics.collector.totals.eventsIn;
    const entityOf = (m: { json: Record<string, unknown> }) => String((m.json.data as { entity_id?: unknown } | undefined)?.entity_id);
    const own = () => es.ofType('state_changed').filter((m) => entityOf(m).includes('.sse_hub_'));
    // A third stream changes sensor.sse_hub_connections: the next write comes back as an event.
    await es.waitFor(() => own().length >= 1, "one of the hub's own writes", 10_000);
    sim.setState('light.own_writes_marker', 'on');
    await es.waitFor((s) => s.ofType('state_changed').some((m) => entityOf(m) === 'light.own_writes_marker'), 'the marker');
    const others = es.ofType('state_changed').filter((m) => !entityOf(m).includes('.sse_hub_'));
    assert.deepEqual(others.map(entityOf), ['light.own_writes_marker'], 'nothing else changed in the demo home (no generated events)');
    assert.equal(server.metrics.collector.totals.eventsIn - before, 1, `only the marker counts, not the ${String(own().length)} own writes`);
  });

  it('include the replay window in seconds, with the events held, as the statistics report it', async () => {
    // Events held only once the simulated home fired some: the light streams above keep them recorded.
    sim.setState('light.sensor_probe', 'on');
    sim.setState('light.sensor_probe', 'off');
    await until(() => Number(state('sensor.sse_hub_replay_window')?.attributes.events ?? 0) >= 2, 'the window sensor counts the events', 10_000);
    const sensor = state('sensor.sse_hub_replay_window')!;
    assert.deepEqual(
      { ...sensor.attributes, icon: undefined, events: undefined },
      { friendly_name: 'SSE Hub replay window', unit_of_measurement: 's', device_class: 'duration', state_class: 'measurement', icon: undefined, events: undefined },
    );
    assert.match(sensor.state, /^\d+$/);
    const window = server.metrics.stats.replayWindow();
    assert.ok(Number(sensor.state) <= window.seconds, 'never more than the window now');
    assert.ok(Number(sensor.attributes.events) <= window.events);
  });
});
