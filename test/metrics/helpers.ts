/**
 * Test doubles for the metrics tests: a logger that keeps its lines, a fake ConnectionRegistry,
 * and builders for events and connection snapshots. The fake clock lives in `test/fake-clock.ts`
 * (re-exported here for the tests that import it from this file).
 */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/base/log.ts';
import type { CloseReason, ConnectionRegistry, ConnectionSnapshot, HubEvent } from '../../src/base/types.ts';

export { FakeClock } from '../fake-clock.ts';

/** A logger at debug level whose output lines are kept in `lines`. */
export function testLogger(): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines, text: () => lines.join('\n') };
}

/** Waits until the logger's asynchronous stream has written what was logged so far. */
export const flushLogs = () => new Promise<void>((resolve) => setImmediate(resolve));

export function snapshot(overrides: Partial<ConnectionSnapshot> = {}): ConnectionSnapshot {
  return {
    id: 'conn_1',
    clientId: 'client_1',
    userId: 'user_1',
    userName: 'User One',
    connectedAt: Date.UTC(2024, 1, 5, 12, 0, 0),
    lastEventAt: null,
    eventsSent: 0,
    bytesSent: 0,
    subscriptions: [{ eventType: 'state_changed', entityId: 'light.living_room' }],
    state: 'active',
    ipAddress: '192.168.1.100',
    userAgent: 'Mozilla/5.0 test',
    httpVersion: '1.1',
    listener: 'lan',
    backlogBytes: 0,
    ...overrides,
  };
}

export function hubEvent(firedAt: number, receivedAt = firedAt, type = 'state_changed'): HubEvent {
  return {
    type,
    data: { entity_id: 'light.kitchen', state: 'on' },
    timestamp: new Date(firedAt).toISOString(),
    entityIds: ['light.kitchen'],
    domains: ['light'],
    firedAt,
    receivedAt,
  };
}

/** A ConnectionRegistry over a map of snapshots that records closes and admin notifications. */
export class FakeRegistry implements ConnectionRegistry {
  readonly connections = new Map<string, ConnectionSnapshot>();
  readonly closed: { id: string; reason: CloseReason }[] = [];
  readonly adminEvents: { type: string; data: unknown }[] = [];
  backlog = 0;

  add(conn: ConnectionSnapshot): this {
    this.connections.set(conn.id, conn);
    return this;
  }

  list(): ConnectionSnapshot[] {
    return [...this.connections.values()];
  }

  get(id: string): ConnectionSnapshot | undefined {
    return this.connections.get(id);
  }

  close(id: string, reason: CloseReason): boolean {
    if (!this.connections.delete(id)) return false;
    this.closed.push({ id, reason });
    return true;
  }

  backlogBytes(): number {
    return this.backlog;
  }

  notifyAdmins(type: string, data: unknown): void {
    this.adminEvents.push({ type, data });
  }
}
