/**
 * Test doubles for the metrics tests: a fake clock that also drives timers, a logger that keeps
 * its lines, a fake ConnectionRegistry, and builders for events and connection snapshots.
 */
import { Writable } from 'node:stream';
import type { Timers, TimerHandle } from '../../src/metrics/clock.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import type { CloseReason, ConnectionRegistry, ConnectionSnapshot, HubEvent } from '../../src/types.ts';

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
  every?: number;
}

/** A clock whose time only moves when told to; timers fire in order as it moves. */
export class FakeClock implements Timers {
  #time: number;
  #nextId = 1;
  #timers: FakeTimer[] = [];

  constructor(start: number) {
    this.#time = start;
  }

  readonly now = (): number => this.#time;

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.#nextId++, at: this.#time + Math.max(0, ms), fn };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.#nextId++, at: this.#time + ms, fn, every: ms };
    this.#timers.push(timer);
    return timer.id;
  }

  clearInterval(handle: TimerHandle): void {
    this.clearTimeout(handle);
  }

  /** Pending timers. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that comes due, in time order. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('a fake clock only moves forward');
    const end = this.#time + ms;
    for (;;) {
      const next = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.#time = next.at;
      if (next.every) next.at += next.every;
      else this.#timers = this.#timers.filter((t) => t !== next);
      next.fn();
    }
    this.#time = end;
  }

  /** Sets the time without firing timers (a jump, like a suspended machine). */
  set(t: number): void {
    this.#time = t;
  }
}

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
