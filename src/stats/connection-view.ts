/** One stream as the API shows it (DOCS.md, the `connection` object), mapped from the hub's snapshot. */
import type { ConnectionSnapshot } from '../shared/types.ts';
import { isoTime } from '../shared/iso-time.ts';

export interface ConnectionView {
  id: string;
  client_id: string;
  user_id: string;
  connected_at: string;
  last_event_at: string | null;
  events_sent: number;
  subscriptions: { event_type: string; entity_id: string | null }[];
  state: 'active' | 'closing';
  ip_address: string;
  user_agent: string;
  /** Added for the panel: the user's name, bytes written, and the listener the stream came in on. */
  user_name: string;
  bytes_sent: number;
  listener: 'lan' | 'ingress';
  /** The name the client gave itself (`client=<name>`), or null. */
  client_name: string | null;
}

export function connectionView(c: ConnectionSnapshot): ConnectionView {
  return {
    id: c.id,
    client_id: c.clientId,
    user_id: c.userId,
    connected_at: isoTime(c.connectedAt),
    last_event_at: c.lastEventAt === null ? null : isoTime(c.lastEventAt),
    events_sent: c.eventsSent,
    subscriptions: c.subscriptions.map((s) => ({ event_type: s.eventType, entity_id: s.entityId })),
    state: c.state,
    ip_address: c.ipAddress,
    user_agent: c.userAgent,
    user_name: c.userName,
    bytes_sent: c.bytesSent,
    listener: c.listener,
    client_name: c.clientName ?? null,
  };
}
