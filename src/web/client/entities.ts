/**
 * `subscribeEntities`: the states of some entities, kept current, for code that only wants to
 * paint them (as home-assistant-js-websocket's helper of the same name). The callback runs at
 * once with the cached states (a reloaded page paints before the stream is back), then after
 * every change and every snapshot.
 */
import { type SseClient, connect } from './client.ts';
import type { ConnectOptions } from './options.ts';
import type { EntityState } from './types.ts';

export type EntitiesCallback = (states: Record<string, EntityState>) => void;

/** Streams `state_changed` for the given entities/domains; returns a function that stops it. */
export function subscribeEntities(
  options: Omit<ConnectOptions, 'events'>,
  callback: EntitiesCallback,
): { client: SseClient; unsubscribe: () => void } {
  const client = connect({ initial_state: true, ...options, events: ['state_changed'] });
  const emit = () => callback(client.states);
  emit();
  const offs = [client.on('state_changed', emit), client.on('states', emit)];
  return {
    client,
    unsubscribe: () => {
      for (const off of offs) off();
      client.close();
    },
  };
}
