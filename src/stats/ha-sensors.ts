/**
 * The hub's own figures as Home Assistant entities, so Home Assistant's history, dashboards and
 * automations can use them: what each entity holds, as core's `POST /api/states/<entity_id>`
 * body (`state` is a string; `unit_of_measurement`, `device_class`, `state_class` and
 * `friendly_name` are the attributes Home Assistant's frontend and recorder read). Their ids
 * start with `OWN_ENTITY_PREFIXES` (src/base/own-entities.ts), which the hub's figures leave out.
 */
import type { AlertView } from '../alerts/alert-view.ts';
import type { LiveStatus } from './live-status.ts';
import type { ReplayWindowSource } from './service.ts';

export interface SensorState {
  entity_id: string;
  state: string;
  attributes: Record<string, string | number | boolean>;
}

const measurement = (name: string, unit: string, extra: Record<string, string> = {}) => ({
  friendly_name: name,
  unit_of_measurement: unit,
  state_class: 'measurement',
  icon: 'mdi:access-point-network',
  ...extra,
});

/** Every hub entity from the live figures, the firing alerts (one binary sensor per alert kind) and the replay window. */
export function hubSensors(
  live: LiveStatus,
  firing: readonly AlertView[],
  alertKinds: readonly string[],
  replay: ReturnType<ReplayWindowSource['window']>,
): SensorState[] {
  const sensors: SensorState[] = [
    { entity_id: 'sensor.sse_hub_connections', state: String(live.active_connections), attributes: measurement('SSE Hub connections', 'connections') },
    { entity_id: 'sensor.sse_hub_events_per_second', state: live.events_in_per_second.toFixed(1), attributes: measurement('SSE Hub events per second', 'events/s') },
    {
      entity_id: 'sensor.sse_hub_deliveries_per_second',
      state: live.deliveries_per_second.toFixed(1),
      attributes: measurement('SSE Hub deliveries per second', 'deliveries/s'),
    },
    {
      entity_id: 'sensor.sse_hub_latency_p95',
      state: live.latency_ms.p95.toFixed(1),
      attributes: measurement('SSE Hub delivery latency p95', 'ms', { device_class: 'duration' }),
    },
    {
      entity_id: 'sensor.sse_hub_memory',
      state: (live.memory_rss / (1024 * 1024)).toFixed(1),
      attributes: measurement('SSE Hub memory', 'MiB', { device_class: 'data_size' }),
    },
    {
      entity_id: 'sensor.sse_hub_replay_window',
      state: String(replay.seconds),
      // How long a client may be away and still resume exactly; `events` is what the history holds.
      attributes: { ...measurement('SSE Hub replay window', 's', { device_class: 'duration' }), events: replay.events },
    },
    {
      entity_id: 'binary_sensor.sse_hub_upstream',
      state: live.upstream.state === 'connected' ? 'on' : 'off',
      attributes: { friendly_name: 'SSE Hub Home Assistant link', device_class: 'connectivity' },
    },
  ];
  const active = new Set(firing.filter((alert) => alert.state === 'firing').map((alert) => alert.alert));
  for (const kind of alertKinds) {
    sensors.push({
      entity_id: `binary_sensor.sse_hub_alert_${kind}`,
      state: active.has(kind) ? 'on' : 'off',
      attributes: { friendly_name: `SSE Hub alert: ${kind.replaceAll('_', ' ')}`, device_class: 'problem' },
    });
  }
  return sensors;
}
