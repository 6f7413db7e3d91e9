/** Fakes of the Home Assistant side and a recording observer, shared by the hub and HTTP tests. */
import type {
  CloseReason,
  ConnectionSnapshot,
  EventInterest,
  HaState,
  HubEvent,
  HubObserver,
  StateSource,
  UpstreamState,
  UpstreamStatus,
} from '../../src/base/types.ts';

/** Counts retains per type; `held` is what the bridge would be subscribed to. */
export class FakeInterest implements EventInterest {
  readonly counts = new Map<string, number>();

  /** `recordsEverything`: as the Redis topology's interest, every type counts as recorded. */
  constructor(readonly recordsEverything = false) {}

  retains = 0;
  releases = 0;

  retain(type: string): () => void {
    this.retains++;
    this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) throw new Error(`double release of ${type}`);
      released = true;
      this.releases++;
      const left = (this.counts.get(type) ?? 0) - 1;
      if (left === 0) this.counts.delete(type);
      else this.counts.set(type, left);
    };
  }

  get held(): string[] {
    return [...this.counts.keys()].sort();
  }
}

export class FakeStates implements StateSource {
  constructor(public states: HaState[] = []) {}

  getStates(): readonly HaState[] {
    return this.states;
  }
}

export function haState(entityId: string, state: string): HaState {
  const ts = '2024-02-10T12:00:00.000Z';
  return {
    entity_id: entityId,
    state,
    attributes: { friendly_name: entityId },
    last_changed: ts,
    last_updated: ts,
    context: { id: 'ctx', parent_id: null, user_id: null },
  };
}

export class FakeUpstream implements UpstreamStatus {
  state: UpstreamState = 'connected';
  readonly #listeners = new Set<(state: UpstreamState) => void>();

  set(state: UpstreamState): void {
    this.state = state;
    for (const listener of this.#listeners) listener(state);
  }

  onChange(listener: (state: UpstreamState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export class RecordingObserver implements HubObserver {
  readonly opened: ConnectionSnapshot[] = [];
  readonly closed: { conn: ConnectionSnapshot; reason: CloseReason }[] = [];
  received = 0;
  deliveries = 0;
  deliveredBytes = 0;
  readonly failures: { reason: string; count: number }[] = [];
  readonly limited: ('request' | 'stream')[] = [];

  connectionOpened(conn: ConnectionSnapshot): void {
    this.opened.push(conn);
  }
  connectionClosed(conn: ConnectionSnapshot, reason: CloseReason): void {
    this.closed.push({ conn, reason });
  }
  eventReceived(_event: HubEvent): void {
    this.received++;
  }
  delivered(_event: HubEvent, count: number, bytes: number): void {
    this.deliveries += count;
    this.deliveredBytes += count * bytes;
  }
  deliveryFailed(reason: string, count: number): void {
    this.failures.push({ reason, count });
  }
  rateLimited(kind: 'request' | 'stream'): void {
    this.limited.push(kind);
  }

  reasons(): CloseReason[] {
    return this.closed.map((c) => c.reason);
  }
}
