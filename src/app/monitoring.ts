/**
 * Wires the metrics parts from the options, for the composition root: the store, the system
 * sampler, the rollup clock, the alert engine, the stats service, the Prometheus exporter and the
 * publisher of the hub's own sensors into Home Assistant.
 * The collector is created first and given to the hub as its observer, then passed in here with
 * the hub as the registry. Constructing does no work; `start()` opens the store and starts the
 * clocks; `stop()` stops the alerts, flushes the partial minute and closes the store.
 */
import type { Options } from '../config/config.ts';
import type { Logger } from '../base/log.ts';
import type { ConnectionRegistry, UpstreamStatus } from '../base/types.ts';
import { AlertInputSource } from '../alerts/inputs.ts';
import { attachAlertRecords } from '../alerts/records.ts';
import { AlertNotifier, type HomeAssistantServices } from '../alerts/notifier.ts';
import { ALERT_RULES, thresholdsFromOptions } from '../alerts/rules.ts';
import { AlertEngine } from '../alerts/engine.ts';
import type { Now, Timers } from '../metrics/clock.ts';
import type { MetricsCollector } from '../metrics/collector.ts';
import { PrometheusExporter } from '../stats/prometheus.ts';
import { RollupScheduler } from '../metrics/rollup/scheduler.ts';
import { StatsService, type MonitorOptions, type ReplayWindowSource } from '../stats/service.ts';
import { MetricsStore } from '../metrics/store/store.ts';
import { SystemSampler } from '../metrics/system.ts';
import { hubSensors, type SensorState } from '../stats/ha-sensors.ts';
import { SensorPublisher } from '../stats/sensor-publisher.ts';
import { systemTimers } from '../base/timers.ts';

/** Where the hub's sensors are written (core's states API). */
export interface HomeAssistantStates {
  setState(entityId: string, state: string, attributes: Record<string, unknown>): Promise<void>;
}

export interface MetricsModuleOptions {
  /** The validated add-on options (`config.options`): retention, alert thresholds, notify service. */
  options: Readonly<Options>;
  /** Where the SQLite file lives (`config.dataDir`). */
  dataDir: string;
  /** The hub's observer, created before the hub. */
  collector: MetricsCollector;
  /** The hub. */
  registry: ConnectionRegistry;
  /** The upstream link, for the `upstream_down` alert and `event_rate_low`; absent = always connected. */
  upstream?: Pick<UpstreamStatus, 'state'>;
  /** Home Assistant for notifications and the `sse_hub_alert` event; absent = log and SSE only. */
  ha?: HomeAssistantServices;
  /** Core's states API for the hub's sensors (`ha_sensor_interval`); absent = no sensors. */
  states?: HomeAssistantStates;
  /** Handler type and instance id for `/api/admin/sse-monitor` (and global counts in Redis mode). */
  monitor: MonitorOptions;
  /** The replay history (the transport), for the statistics and `sensor.sse_hub_replay_window`. */
  replay?: ReplayWindowSource;
  logger: Logger;
  /** The clock. Default `Date.now`. */
  now?: Now;
  /** Default: Node's timers (unref'd). */
  timers?: Timers;
}

export class MetricsModule {
  readonly collector: MetricsCollector;
  readonly system: SystemSampler;
  readonly store: MetricsStore;
  readonly rollup: RollupScheduler;
  readonly alerts: AlertEngine;
  readonly stats: StatsService;
  readonly prometheus: PrometheusExporter;
  readonly sensors: SensorPublisher | undefined;

  constructor(options: MetricsModuleOptions) {
    const { collector, registry, logger, now, timers } = options;
    this.collector = collector;
    this.system = new SystemSampler({ now });
    this.store = new MetricsStore({ dataDir: options.dataDir, retentionDays: options.options.metrics_retention_days, now, logger });
    this.rollup = new RollupScheduler({ collector, system: this.system, store: this.store, registry, logger, now, timers });
    this.alerts = new AlertEngine({
      defaults: thresholdsFromOptions(options.options),
      inputs: new AlertInputSource({ collector, system: this.system, registry, upstream: options.upstream, now }),
      store: attachAlertRecords(this.store),
      notifier: new AlertNotifier({ logger, admins: registry, ha: options.ha, notifyService: options.options.notify_service, timers }),
      logger,
      now,
      timers,
    });
    this.stats = new StatsService({
      collector,
      system: this.system,
      store: this.store,
      recent: () => this.rollup.recent(),
      registry,
      monitor: options.monitor,
      upstream: options.upstream,
      replay: options.replay,
      now,
    });
    this.prometheus = new PrometheusExporter({ collector, system: this.system, registry, alerts: this.alerts, store: this.store, now });
    const interval = options.options.ha_sensor_interval;
    const states = options.states;
    const kinds = ALERT_RULES.map((rule) => rule.key);
    this.sensors =
      states && interval > 0
        ? new SensorPublisher({
            read: () => hubSensors(this.stats.live(), this.alerts.active(), kinds, this.stats.replayWindow()),
            write: (sensor: SensorState) => states.setState(sensor.entity_id, sensor.state, sensor.attributes),
            timers: timers ?? systemTimers(),
            now: now ?? Date.now,
            logger,
            intervalMs: interval * 1000,
            tickMs: Math.min(5000, interval * 1000),
          })
        : undefined;
  }

  async start(): Promise<void> {
    this.store.start();
    this.rollup.start();
    this.alerts.start();
  }

  /** Writing the hub's sensors runs from after the upstream started to before the hub stops (server.ts). */
  startSensors(): void {
    this.sensors?.start();
  }

  stopSensors(): void {
    this.sensors?.stop();
  }

  async stop(): Promise<void> {
    await this.alerts.stop();
    this.rollup.stop();
    this.store.stop();
  }
}
