/**
 * One stream as the API shows it (DOCS.md, the `connection` object), mapped from the hub's
 * snapshot. The zod schema is the shape's one description: the type derives from it and
 * `src/http/openapi.ts` publishes it.
 */
import { z } from 'zod';
import type { ConnectionSnapshot } from '../base/types.ts';
import { countField, isoTimeField } from '../base/answer-fields.ts';
import { isoTime } from '../base/iso-time.ts';

export const connectionViewSchema = z.strictObject({
  id: z.string(),
  client_id: z.string(),
  user_id: z.string(),
  connected_at: isoTimeField,
  last_event_at: isoTimeField.nullable(),
  events_sent: countField,
  subscriptions: z.array(z.strictObject({ event_type: z.string(), entity_id: z.string().nullable() })),
  state: z.enum(['active', 'closing']),
  ip_address: z.string(),
  user_agent: z.string(),
  // Added for the panel: the user's name, bytes written, and the listener the stream came in on.
  user_name: z.string(),
  bytes_sent: countField,
  listener: z.enum(['lan', 'ingress']),
  // Redis mode: the instance holding the stream.
  instance_id: z.string().optional(),
});
export type ConnectionView = z.infer<typeof connectionViewSchema>;

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
  };
}
