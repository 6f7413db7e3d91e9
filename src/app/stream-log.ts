/**
 * Stream open and close at debug level: a {@link HubObserver} that logs and forwards every call to
 * the metrics observer. The log names the stream, user, address, listener and subscriptions; the
 * snapshot carries no token, so none can be logged.
 */
import type { Logger } from '../base/log.ts';
import { ForwardingObserver } from '../base/forwarding-observer.ts';
import type { CloseReason, ConnectionSnapshot, HubObserver } from '../base/types.ts';

export class StreamLogObserver extends ForwardingObserver {
  readonly #logger: Logger;

  constructor(next: HubObserver, logger: Logger) {
    super(next);
    this.#logger = logger;
  }

  override connectionOpened(conn: ConnectionSnapshot): void {
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
    super.connectionOpened(conn);
  }

  override connectionClosed(conn: ConnectionSnapshot, reason: CloseReason): void {
    if (this.#logger.isLevelEnabled('debug')) {
      this.#logger.debug({ stream: conn.id, user: conn.userName, reason, eventsSent: conn.eventsSent, bytesSent: conn.bytesSent }, 'stream closed');
    }
    super.connectionClosed(conn, reason);
  }
}
