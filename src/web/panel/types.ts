/** The shapes of the hub's answers the panel reads (DOCS.md has the full ones). */
export interface LiveData {
  active_connections: number;
  total_events_sent: number;
  uptime: string;
  event_backlog: number;
  live: {
    upstream: { state: string; since: string | null };
    active_connections: number;
    events_in_per_second: number;
    deliveries_per_second: number;
    latency_ms: { p50: number; p95: number; p99: number; samples: number };
    memory_rss: number;
    heap_used: number;
    cpu_percent: number;
    event_loop_delay_p99_ms: number;
    timestamp: string;
  };
}

export interface Connection {
  id: string;
  client_id: string;
  user_id: string;
  user_name: string;
  connected_at: string;
  last_event_at: string | null;
  events_sent: number;
  bytes_sent: number;
  subscriptions: { event_type: string; entity_id: string | null }[];
  state: string;
  ip_address: string;
  user_agent: string;
  listener: string;
  /** The name the client gave itself (`client=<name>`), or null. */
  client_name: string | null;
}

export interface HistoryPoint {
  timestamp: string;
  connections_current: number;
  connections_max: number;
  events_per_second: number;
  events_received: number;
  events_sent: number;
  latency_p50: number;
  latency_p95: number;
  latency_p99: number;
  memory_rss: number;
  cpu_average: number;
  cpu_max: number;
}

export interface History {
  period: string;
  resolution: 'minute' | 'hour';
  history_available: boolean;
  points: HistoryPoint[];
  timestamp: string;
}

export interface Alert {
  id: number;
  alert: string;
  severity: string;
  state: 'firing' | 'resolved';
  title: string;
  message: string;
  value: number;
  threshold: number;
  fired_at: string;
  resolved_at: string | null;
}

export interface ThresholdsData {
  thresholds: Record<string, number>;
  defaults: Record<string, number>;
  overrides: Record<string, number>;
  persisted: boolean;
}
