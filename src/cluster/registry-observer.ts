/**
 * Writes the registry through (src/cluster/registry.ts): a {@link HubObserver} that forwards every
 * call and, on a stream's open and close, adds or removes its entry in Redis.
 */
import type { CloseReason, ConnectionSnapshot, HubEvent, HubObserver } from '../base/types.ts';

export interface StreamRegistryWrites {
  streamOpened(connection: ConnectionSnapshot): void;
  streamClosed(connection: ConnectionSnapshot): void;
}

export class RegistryObserver implements HubObserver {
  readonly #next: HubObserver;
  readonly #registry: StreamRegistryWrites;

  constructor(next: HubObserver, registry: StreamRegistryWrites) {
    this.#next = next;
    this.#registry = registry;
  }

  connectionOpened(conn: ConnectionSnapshot): void {
    this.#registry.streamOpened(conn);
    this.#next.connectionOpened(conn);
  }

  connectionClosed(conn: ConnectionSnapshot, reason: CloseReason): void {
    this.#registry.streamClosed(conn);
    this.#next.connectionClosed(conn, reason);
  }

  eventReceived(event: HubEvent): void {
    this.#next.eventReceived(event);
  }

  delivered(event: HubEvent, count: number, bytes: number, writtenAt: number): void {
    this.#next.delivered(event, count, bytes, writtenAt);
  }

  deliveryFailed(reason: string, count: number): void {
    this.#next.deliveryFailed(reason, count);
  }

  rateLimited(kind: 'request' | 'stream'): void {
    this.#next.rateLimited(kind);
  }
}
