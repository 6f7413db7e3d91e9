/**
 * Stream open and close at debug level: a {@link HubObserver} that logs and forwards every call to
 * the metrics observer. The log names the stream, user, address, listener and subscriptions; the
 * snapshot carries no token, so none can be logged.
 */
import type { Logger } from '../base/log.ts';
import type { CloseReason, ConnectionSnapshot, HubEvent, HubObserver } from '../base/types.ts';

export class StreamLogObserver implements HubObserver {
  readonly #next: HubObserver;
  readonly #logger: Logger;

  constructor(next: HubObserver, logger: Logger) {
    this.#next = next;
    this.#logger = logger;
  }

  connectionOpened(conn: ConnectionSnapshot): void {
    if (this.#logger.isLevelEnabled('debug')) {
      this.#logger.debug(
        {
          stream: conn.id,
          user: conn.userName,
          address: conn.ipAddress,
          listener: conn.listener,
          subscriptions: conn.subscriptions.map((s) => (s.entityId ? `${s.eventType}:${s.entityId}` : s.eventType)),
        },
        'stream opened',
      );
    }
    this.#next.connectionOpened(conn);
  }

  connectionClosed(conn: ConnectionSnapshot, reason: CloseReason): void {
    if (this.#logger.isLevelEnabled('debug')) {
      this.#logger.debug({ stream: conn.id, user: conn.userName, reason, eventsSent: conn.eventsSent, bytesSent: conn.bytesSent }, 'stream closed');
    }
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
