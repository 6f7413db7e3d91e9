/**
 * `useSSE` (`sse-hub/client/react`): a client for the component's lifetime and its state as React
 * state. React is an optional peer dependency: only this entry point imports it.
 *
 *   const { status, states, lastMessage } = useSSE({ url, token, entity_id: ['light.kitchen'], initial_state: true });
 *   const { states } = useSSE({ url, token, area: 'kitchen', format: 'entities', fields: ['state'], client: 'kitchen_tablet' });
 */
import { useEffect, useRef, useState } from 'react';
import { type SseClient, type SseClientError, connect } from './client.ts';
import type { ConnectOptions } from './options.ts';
import type { ClientMetrics, ConnectionStatus, EntityState, ServerMessage } from './types.ts';

export interface UseSSEResult {
  status: ConnectionStatus;
  /** The known entity states (cached ones first, then kept current). */
  states: Record<string, EntityState>;
  lastMessage: ServerMessage | undefined;
  /** Set when the client gave up (401/403). */
  error: SseClientError | undefined;
  metrics: ClientMetrics | undefined;
  client: SseClient | undefined;
}

/** The options that define the subscription; a change reconnects. Functions and injected parts do not. */
function identity(options: ConnectOptions): string {
  const { url, events, entity_id, domain, area, floor, label, device_id, integration, fields, format, throttle, client, initial_state, transport } = options;
  const token = typeof options.token === 'string' ? options.token : '';
  return JSON.stringify({ url, events, entity_id, domain, area, floor, label, device_id, integration, fields, format, throttle, client, initial_state, transport, token });
}

export function useSSE(options: ConnectOptions | null): UseSSEResult {
  const latest = useRef(options);
  latest.current = options;
  const [result, setResult] = useState<UseSSEResult>({
    status: 'connecting',
    states: {},
    lastMessage: undefined,
    error: undefined,
    metrics: undefined,
    client: undefined,
  });
  const key = options ? identity(options) : null;

  useEffect(() => {
    const opts = latest.current;
    if (!opts || key === null) return;
    const client = connect(opts);
    const update = (patch: Partial<UseSSEResult>) =>
      setResult((prev) => ({ ...prev, ...patch, status: client.status, metrics: client.metrics, client }));
    update({ states: client.states, error: undefined, lastMessage: undefined });
    const offs = [
      client.on('status', () => update({})),
      client.on('message', (message) => update({ lastMessage: message })),
      client.on('state_changed', () => update({ states: client.states })),
      client.on('states', () => update({ states: client.states })),
      client.on('entities', () => update({ states: client.states })),
      client.on('closed', ({ error }) => update({ error })),
    ];
    return () => {
      for (const off of offs) off();
      client.close();
    };
  }, [key]);

  return result;
}
