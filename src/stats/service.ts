/**
 * The statistics and management answers of DOCS.md, as plain data: live stats, connections,
 * period metrics, history, the admin monitor and performance insights. The REST routes and the
 * WebSocket API both call it, so their `data` is identical. Knows nothing of HTTP. The answers'
 * shapes are the zod schemas of ./answers.ts.
 */
import type { ConnectionRegistry, ConnectionSnapshot } from '../base/types.ts';
import type { ConnectionsData, HistoryData, MetricsData, MonitorData, PerformanceData, StatsData } from './answers.ts';
import { connectionView, type ConnectionView } from './connection-view.ts';
import { HOUR_MS, floorTo, type Now } from '../metrics/clock.ts';
import type { MetricsCollector } from '../metrics/collector.ts';
import { performanceInsights } from './insights.ts';
import { isoDuration, isoTime } from '../base/iso-time.ts';
import { memoryTrend, type MemoryTrendOptions } from './memory-trend.ts';
import { periodSpec, windowStart, type Period, type Resolution } from '../metrics/period.ts';
import { mergeRollups, type Rollup, type RollupView } from '../metrics/rollup/record.ts';
import type { MetricsStore } from '../metrics/store/store.ts';
import { addToAggregate, emptyAggregate } from '../metrics/rollup/aggregate.ts';
import { UpstreamSince, liveStatus, type LiveStatus } from './live-status.ts';
import { historyPoint, summarize } from './summary.ts';
import type { SystemSampler } from '../metrics/system.ts';

/** What the replay history covers (the transport's `window()`, src/transport/transport.ts). */
export interface ReplayWindowSource {
  window(): { readonly seconds: number; readonly events: number; readonly bytes: number };
}

/** Connection counts across every instance (Redis mode). */
export interface GlobalConnections {
  connections: number;
  uniqueUsers: number;
  perUser: Record<string, number>;
  /** Every live instance and its last heartbeat (epoch ms). */
  instances?: { instanceId: string; heartbeatAt: number; connections: number }[];
}

export interface MonitorOptions {
  /** `memory` (one process) or `redis` (several instances). */
  handlerType: 'memory' | 'redis';
  instanceId: string;
  /** Counts across instances; omitted in memory mode, where global = local. */
  global?: () => Promise<GlobalConnections>;
  /** Every instance's streams with the instance holding each; omitted in memory mode. */
  streams?: () => Promise<{ instanceId: string; connection: ConnectionSnapshot }[]>;
}

export interface StatsServiceOptions {
  collector: MetricsCollector;
  system: SystemSampler;
  store: MetricsStore;
  /** The in-memory minutes, used while the store is unavailable. */
  recent: () => readonly Rollup[];
  registry: ConnectionRegistry;
  monitor: MonitorOptions;
  /** The clock. Default `Date.now`. */
  now?: Now;
  /** When the service started, for `uptime`. Default: when the collector was created. */
  startedAt?: number;
  memoryTrend?: MemoryTrendOptions;
  /** The upstream link's state, for {@link StatsService.live}; absent = reported as `unknown`. */
  upstream?: { readonly state: string };
  /** The replay history; absent = reported as empty. */
  replay?: ReplayWindowSource;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export class StatsService {
  readonly #options: StatsServiceOptions;
  readonly #now: Now;
  readonly #upstreamSince: UpstreamSince;

  constructor(options: StatsServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#upstreamSince = new UpstreamSince(options.startedAt ?? options.collector.startedAt);
  }

  /** The panel's live figures (upstream, rates, latency percentiles, process). */
  live(): LiveStatus {
    const now = this.#now();
    const upstream = this.#upstreamSince.observe(this.#options.upstream?.state, now);
    return liveStatus(this.#options.collector, this.#options.system.latest(), upstream, now);
  }

  stats(): StatsData {
    const { collector, registry } = this.#options;
    const system = this.#options.system.latest();
    return {
      active_connections: collector.active,
      total_events_sent: collector.totals.deliveries,
      events_per_second: round2(collector.live().deliveriesPerSecond),
      memory_usage: system.rss,
      cpu_usage: round2(system.cpuPercent),
      uptime: isoDuration(this.#now() - (this.#options.startedAt ?? collector.startedAt)),
      event_backlog: registry.backlogBytes(),
      ...this.#replayFields(),
      ...this.#scope(),
    };
  }

  /** What the replay history covers now. */
  replayWindow(): { seconds: number; events: number; bytes: number } {
    const window = this.#options.replay?.window();
    return window ? { seconds: window.seconds, events: window.events, bytes: window.bytes } : { seconds: 0, events: 0, bytes: 0 };
  }

  #replayFields(): Pick<StatsData, 'replay_window_seconds' | 'replay_events' | 'replay_bytes'> {
    const window = this.replayWindow();
    return { replay_window_seconds: window.seconds, replay_events: window.events, replay_bytes: window.bytes };
  }

  /** In Redis mode, answers that hold only this instance's figures say so. */
  #scope(): { scope?: 'local'; instance_id?: string } {
    const { monitor } = this.#options;
    return monitor.handlerType === 'redis' ? { scope: 'local', instance_id: monitor.instanceId } : {};
  }

  /** This instance's streams (in Redis mode marked `scope: local`). */
  connections(): ConnectionsData {
    const connections = this.#options.registry.list().map(connectionView);
    return { connections, total: connections.length, ...this.#scope() };
  }

  /**
   * Redis mode: every instance's streams, each with the instance holding it; this instance's come
   * from the hub (fresh counters), the others' from the registry. Undefined in memory mode.
   */
  async clusterConnections(): Promise<ConnectionsData | undefined> {
    const { streams, instanceId } = this.#options.monitor;
    if (!streams) return undefined;
    const connections = this.#options.registry.list().map((c) => ({ ...connectionView(c), instance_id: instanceId }));
    for (const remote of await streams()) {
      if (remote.instanceId !== instanceId) connections.push({ ...connectionView(remote.connection), instance_id: remote.instanceId });
    }
    return { connections, total: connections.length, scope: 'cluster' };
  }

  connection(id: string): ConnectionView | undefined {
    const snapshot = this.#options.registry.get(id);
    if (!snapshot) return undefined;
    // In Redis mode a stream names the instance holding it, as in the cluster's list.
    const { monitor } = this.#options;
    return monitor.handlerType === 'redis' ? { ...connectionView(snapshot), instance_id: monitor.instanceId } : connectionView(snapshot);
  }

  /** Closes one stream as `admin_closed`; false when there is no such stream. */
  closeConnection(id: string): boolean {
    return this.#options.registry.close(id, 'admin_closed');
  }

  metrics(period: Period): MetricsData {
    const now = this.#now();
    const spec = periodSpec(period);
    const from = windowStart(period, now);
    const stored = this.#options.store.aggregate(spec.resolution, from);
    const aggregate = stored ?? this.#rows(spec.resolution, from).reduce(addToAggregate, emptyAggregate());
    const live = this.#options.collector.peekMinute();
    const system = this.#options.system.latest();
    const liveRow: RollupView = {
      ts: live.start,
      durationMs: live.durationMs,
      ...live.traffic,
      memRss: system.rss,
      memRssMax: system.rss,
      heapUsed: system.heapUsed,
      heapUsedMax: system.heapUsed,
      cpuAvg: system.cpuPercent,
      cpuMax: system.cpuPercent,
      eluAvg: system.elu,
      loopDelayP99Max: system.loopDelayP99Ms,
      netRxBytes: 0,
      netTxBytes: 0,
      diskReadBytes: 0,
      diskWriteBytes: 0,
    };
    const metrics = summarize(addToAggregate(aggregate, liveRow), {
      connections: this.#options.collector.active,
      deliveriesPerSecond: this.#options.collector.live().deliveriesPerSecond,
      memory: system.rss,
      cpu: system.cpuPercent,
    });
    return { metrics, period, timestamp: isoTime(now) };
  }

  history(period: Period): HistoryData {
    const now = this.#now();
    const spec = periodSpec(period);
    const points = this.#rows(spec.resolution, windowStart(period, now)).map(historyPoint);
    return { period, resolution: spec.resolution, history_available: this.#options.store.available, points, timestamp: isoTime(now) };
  }

  async monitor(): Promise<MonitorData> {
    const perUser: Record<string, number> = {};
    const list = this.#options.registry.list();
    for (const c of list) perUser[c.userId] = (perUser[c.userId] ?? 0) + 1;
    const local: GlobalConnections = { connections: list.length, uniqueUsers: Object.keys(perUser).length, perUser };
    const global = this.#options.monitor.global ? await this.#options.monitor.global() : local;
    return {
      handler_type: this.#options.monitor.handlerType,
      instance_id: this.#options.monitor.instanceId,
      local_connections: local.connections,
      local_unique_users: local.uniqueUsers,
      global_connections: global.connections,
      global_unique_users: global.uniqueUsers,
      connections_per_user: global.perUser,
      ...(global.instances
        ? { instances: global.instances.map((i) => ({ instance_id: i.instanceId, last_heartbeat: isoTime(i.heartbeatAt), connections: i.connections })) }
        : {}),
    };
  }

  /** Process figures, the memory trend with leak suspicion, and plain-language insights. */
  performance(): PerformanceData {
    const { collector } = this.#options;
    const now = this.#now();
    const system = this.#options.system.latest();
    const trend = memoryTrend(this.#options.system.history(), now, this.#options.memoryTrend);
    const live = collector.live();
    const recent = collector.recent();
    const hub = recent.hubLatency;
    const averageMessageBytes = collector.totals.deliveries > 0 ? collector.totals.bytesOut / collector.totals.deliveries : 0;
    const attempts = recent.deliveries + recent.failures;
    const insights = performanceInsights({
      processingP95Ms: hub.quantile(0.95),
      processingSamples: hub.count,
      averageMessageBytes,
      deliveriesPerSecond: live.deliveriesPerSecond,
      failurePercent: attempts > 0 ? (recent.failures / attempts) * 100 : 0,
      eventLoopDelayP99Ms: system.loopDelayP99Ms,
      eventLoopUtilization: system.elu,
      leakSuspected: trend.leak_suspected,
      leakReason: trend.reason,
    });
    const totals = collector.totals;
    return {
      system,
      memory_trend: trend,
      insights,
      throughput: {
        events_received_per_second: round2(live.eventsInPerSecond),
        events_sent_per_second: round2(live.deliveriesPerSecond),
        bytes_sent_per_second: round2(live.bytesOutPerSecond),
        average_message_bytes: Math.round(averageMessageBytes),
      },
      connections: {
        active: live.active,
        opened_total: totals.connOpened,
        closed_total: totals.connClosed,
        average_duration_seconds: totals.connClosed > 0 ? round2(totals.connDurationSumMs / totals.connClosed / 1000) : 0,
        close_reasons: totals.closeReasons,
        by_http_version: live.byHttpVersion,
        by_listener: live.byListener,
        by_ip: live.byIp,
      },
    };
  }

  /** Stored rollups, or while the store is unavailable the minutes kept in memory (merged into hours for hour periods). */
  #rows(resolution: Resolution, from: number): RollupView[] {
    if (this.#options.store.available) return this.#options.store.range(resolution, from);
    const minutes = this.#options.recent().filter((r) => r.ts >= from);
    if (resolution === 'minute') return [...minutes];
    const hours: Rollup[] = [];
    for (const minute of minutes) {
      const ts = floorTo(minute.ts, HOUR_MS);
      const last = hours[hours.length - 1];
      if (last && last.ts === ts) hours[hours.length - 1] = mergeRollups(last, minute);
      else hours.push({ ...minute, ts });
    }
    return hours;
  }
}
