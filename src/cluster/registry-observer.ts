/**
 * Writes the registry through (src/cluster/registry.ts): a {@link HubObserver} that forwards every
 * call and, on a stream's open and close, adds or removes its entry in Redis.
 */
import { ForwardingObserver } from '../base/forwarding-observer.ts';
import type { CloseReason, ConnectionSnapshot, HubObserver } from '../base/types.ts';

export interface StreamRegistryWrites {
  streamOpened(connection: ConnectionSnapshot): void;
  streamClosed(connection: ConnectionSnapshot): void;
}

export class RegistryObserver extends ForwardingObserver {
  readonly #registry: StreamRegistryWrites;

  constructor(next: HubObserver, registry: StreamRegistryWrites) {
    super(next);
    this.#registry = registry;
  }

  override connectionOpened(conn: ConnectionSnapshot): void {
    this.#registry.streamOpened(conn);
    super.connectionOpened(conn);
  }

  override connectionClosed(conn: ConnectionSnapshot, reason: CloseReason): void {
    this.#registry.streamClosed(conn);
    super.connectionClosed(conn, reason);
  }
}
