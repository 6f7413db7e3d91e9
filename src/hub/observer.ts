/** A {@link HubObserver} that ignores everything, for when no metrics collector is wired in. */
import type { CloseReason, ConnectionSnapshot, HubEvent, HubObserver } from '../base/types.ts';

export class NoopHubObserver implements HubObserver {
  connectionOpened(_conn: ConnectionSnapshot): void {}
  connectionClosed(_conn: ConnectionSnapshot, _reason: CloseReason): void {}
  eventReceived(_event: HubEvent): void {}
  delivered(_event: HubEvent, _count: number, _bytes: number, _writtenAt: number): void {}
  deliveryFailed(_reason: string, _count: number): void {}
  rateLimited(_kind: 'request' | 'stream'): void {}
}
