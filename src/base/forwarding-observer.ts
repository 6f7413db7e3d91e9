/**
 * A {@link HubObserver} that passes every call on to the next one. Observers that add something
 * to a few calls (a log line, a registry write) extend it and override only those; the hub's
 * delivery calls stay one forward each.
 */
import type { CloseReason, ConnectionSnapshot, HubEvent, HubObserver } from './types.ts';

export class ForwardingObserver implements HubObserver {
  constructor(protected readonly next: HubObserver) {}

  connectionOpened(conn: ConnectionSnapshot): void {
    this.next.connectionOpened(conn);
  }

  connectionClosed(conn: ConnectionSnapshot, reason: CloseReason): void {
    this.next.connectionClosed(conn, reason);
  }

  eventReceived(event: HubEvent): void {
    this.next.eventReceived(event);
  }

  delivered(event: HubEvent, count: number, bytes: number, writtenAt: number): void {
    this.next.delivered(event, count, bytes, writtenAt);
  }

  deliveryFailed(reason: string, count: number): void {
    this.next.deliveryFailed(reason, count);
  }

  rateLimited(kind: 'request' | 'stream'): void {
    this.next.rateLimited(kind);
  }
}
