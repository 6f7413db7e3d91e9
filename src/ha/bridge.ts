/**
 * The bridge between core and the hub (docs/ARCHITECTURE.md §1): reference-counted core subscriptions, the state
 * cache, normalization, resync after reconnects, and the upstream status.
 *
 * - One core subscription per core event type that at least one consumer retains; `*` only while
 *   someone retains `*`. While the `*` subscription is live, events are published from it alone, so
 *   nothing is published twice; core's `*` never carries `state_reported`/`homeassistant_close`, so
 *   those still come from their own subscriptions.
 * - state_changed always has exactly one core subscription (the cache needs it); its events are
 *   published only while someone retains `state_changed` (or `*`).
 * - After every reconnect, fresh `get_states` is diffed against the cache and synthetic
 *   state_changed events (`resync: true`) are published for what changed while we were away.
 */
import type { EventInterest, HaState, HubEvent, StateSource, UpstreamState, UpstreamStatus } from '../base/types.ts';
import type { Logger } from '../base/log.ts';
import type { HaConnection, HaSubscription } from './connection.ts';
import { getStates, parseCoreEvent, parseStates, subscribeEvents, type CoreEvent } from './messages.ts';
import { coreTypeOf, normalizeEvent } from './normalize.ts';
import { StateCache } from './state-cache.ts';
import { isoTime } from '../base/iso-time.ts';
import { isOwnEntity } from '../base/own-entities.ts';

/** What the bridge needs of a connection (a {@link HaConnection}, or a fake in tests). */
export type BridgeConnection = Pick<HaConnection, 'subscribe' | 'command' | 'onConnected' | 'onDisconnected' | 'connected'>;

export interface HaBridgeOptions {
  connection: BridgeConnection;
  logger: Logger;
  /** Receives every normalized event; called synchronously, must not throw (errors are logged). */
  publish: (event: HubEvent) => void;
  /** Told once for every event that arrives from core, published or not (the event-rate alerts count these). */
  onCoreEvent?: () => void;
  /** Clock in epoch ms (receive times, vanished-entity times). Default Date.now. */
  now?: () => number;
  /**
   * Whether core's own state_changed events update the state cache (besides being published).
   * Default true. The Redis topology keeps the cache from the shared stream instead ({@link HaBridge.follow},
   * src/app/redis-topology.ts), so a takeover diffs core against what the cluster saw.
   */
  cacheCoreStates?: boolean;
}

/** Core's `*` subscribers never get these (core `EVENTS_EXCLUDED_FROM_MATCH_ALL`). */
const NOT_IN_STAR: ReadonlySet<string> = new Set(['state_reported', 'homeassistant_close']);
const STAR = '*';
const STATE_CHANGED = 'state_changed';

export class HaBridge implements EventInterest, StateSource, UpstreamStatus {
  readonly #connection: BridgeConnection;
  readonly #log: Logger;
  readonly #publish: (event: HubEvent) => void;
  readonly #onCoreEvent: () => void;
  readonly #now: () => number;
  readonly #cache = new StateCache();
  readonly #cacheCoreStates: boolean;
  /** Interest per core event type (`*` included). */
  readonly #interest = new Map<string, number>();
  /** Core subscriptions per core event type, except state_changed (see #stateSubscription). */
  readonly #subscriptions = new Map<string, HaSubscription>();
  readonly #statusListeners = new Set<(state: UpstreamState) => void>();
  readonly #unlisten: (() => void)[] = [];
  #stateSubscription: HaSubscription | undefined;
  #state: UpstreamState = 'disconnected';
  #hasSnapshot = false;
  #generation = 0;

  constructor(options: HaBridgeOptions) {
    this.#connection = options.connection;
    this.#log = options.logger.child({ component: 'ha-bridge' });
    this.#publish = options.publish;
    this.#onCoreEvent = options.onCoreEvent ?? (() => {});
    this.#now = options.now ?? Date.now;
    this.#cacheCoreStates = options.cacheCoreStates ?? true;
  }

  async start(): Promise<void> {
    this.#unlisten.push(
      this.#connection.onConnected(() => void this.#resync()),
      this.#connection.onDisconnected(() => this.#setState('disconnected')),
    );
    this.#stateSubscription = this.#connection.subscribe(subscribeEvents(STATE_CHANGED), {
      onEvent: (payload) => this.#onStateChanged(payload),
    });
    for (const coreType of this.#interest.keys()) this.#subscribe(coreType);
    if (this.#connection.connected) void this.#resync();
  }

  async stop(): Promise<void> {
    for (const unlisten of this.#unlisten.splice(0)) unlisten();
    const subscriptions = [...this.#subscriptions.values()];
    this.#subscriptions.clear();
    if (this.#stateSubscription) subscriptions.push(this.#stateSubscription);
    this.#stateSubscription = undefined;
    await Promise.all(subscriptions.map((s) => s.unsubscribe()));
    this.#generation++;
    this.#setState('disconnected');
  }

  // ---- EventInterest ----

  retain(productType: string): () => void {
    const coreType = coreTypeOf(productType);
    const count = this.#interest.get(coreType) ?? 0;
    this.#interest.set(coreType, count + 1);
    if (count === 0 && this.#stateSubscription) this.#subscribe(coreType);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#interest.get(coreType) ?? 1) - 1;
      if (left > 0) {
        this.#interest.set(coreType, left);
        return;
      }
      this.#interest.delete(coreType);
      const subscription = this.#subscriptions.get(coreType);
      this.#subscriptions.delete(coreType);
      void subscription?.unsubscribe();
    };
  }

  /** Core event types currently retained, with their reference counts (for stats and tests). */
  interests(): Record<string, number> {
    return Object.fromEntries(this.#interest);
  }

  /**
   * Applies a state_changed event read back from the shared stream (Redis mode, on every
   * instance), so that a takeover resyncs against what the cluster saw.
   */
  follow(event: HubEvent): void {
    if (event.type !== STATE_CHANGED) return;
    const state = followedState(event);
    if (state === undefined) return;
    this.#cache.apply({ event_type: STATE_CHANGED, data: state, origin: 'REMOTE', time_fired: event.timestamp, context: { id: '', parent_id: null, user_id: null } });
    this.#hasSnapshot = true;
  }

  /**
   * Replaces the state cache with the states the cluster last published (`state_changed` data,
   * Redis mode), so the next resync publishes exactly what nobody published, whatever this
   * instance read at start-up. Nothing known (an empty list) leaves the cache as it is.
   */
  rebase(published: readonly unknown[]): void {
    const states = this.#statesOf(published);
    if (states.length === 0) return;
    this.#cache.replace(states, isoTime(this.#now()));
    this.#hasSnapshot = true;
  }

  /**
   * A connected standby taking the lead (docs/redis.md, "Leader handover"): publishes, as resync
   * events, what its own view of core holds that differs from what the cluster last published
   * (`published`: the latest state per entity), for the entities the cluster published. Its
   * start-up read may hold changes made while no instance ran; changes it saw as events are in
   * the handover buffer, and the feed drops a resync that a held event carries too. Returns how
   * many were published.
   */
  resyncAgainst(published: readonly unknown[]): number {
    const base = this.#statesOf(published);
    if (base.length === 0 || !this.#hasSnapshot) return 0;
    const known = new Set(base.map((state) => state.entity_id));
    const scratch = new StateCache();
    scratch.replace(base, isoTime(this.#now()));
    const missed = scratch.replace(this.#cache.all(), isoTime(this.#now())).filter((event) => known.has(String(event.data.entity_id)));
    for (const event of missed) this.#emit(event, true);
    return missed.length;
  }

  /** Published `state_changed` data (the cluster's latest state per entity) as core's state objects. */
  #statesOf(published: readonly unknown[]): HaState[] {
    const states: HaState[] = [];
    for (const data of published) {
      const state = followedState({ type: STATE_CHANGED, data, timestamp: isoTime(this.#now()) } as HubEvent)?.new_state;
      if (state) states.push(state);
    }
    return states;
  }

  /** Starts the state cache from a snapshot read elsewhere (a Redis-mode follower reads core's REST API). */
  adopt(states: readonly HaState[]): void {
    if (this.#connection.connected) return; // the connection's own get_states is fresher
    this.#cache.replace(states, isoTime(this.#now()));
    this.#hasSnapshot = true;
  }

  // ---- StateSource ----

  getStates(): readonly HaState[] {
    return this.#cache.all();
  }

  getState(entityId: string): HaState | undefined {
    return this.#cache.get(entityId);
  }

  // ---- UpstreamStatus ----

  get state(): UpstreamState {
    return this.#state;
  }

  onChange(listener: (state: UpstreamState) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  // ---- internals ----

  #subscribe(coreType: string): void {
    if (coreType === STATE_CHANGED || this.#subscriptions.has(coreType)) return;
    const subscription = this.#connection.subscribe(subscribeEvents(coreType), {
      onEvent: (payload) => this.#onEvent(coreType, payload),
    });
    this.#subscriptions.set(coreType, subscription);
  }

  /** True while core delivers every (star-eligible) event on the `*` subscription too. */
  #starLive(): boolean {
    return this.#subscriptions.get(STAR)?.active === true;
  }

  #onEvent(coreType: string, payload: unknown): void {
    // Switching on the `*` result is exact: core sends that result before any event on it.
    if (coreType !== STAR && this.#starLive() && !NOT_IN_STAR.has(coreType)) return;
    const event = this.#parse(payload);
    if (!event) return;
    // state_changed is counted once, by its own always-held subscription, even when `*` carries it too.
    if (event.event_type !== STATE_CHANGED) this.#onCoreEvent();
    this.#emit(event);
  }

  #onStateChanged(payload: unknown): void {
    const event = this.#parse(payload);
    if (!event) return;
    // The hub's own sensor writes come back as state_changed: not counted as core's traffic (docs/decisions.md §11).
    if (!(typeof event.data.entity_id === 'string' && isOwnEntity(event.data.entity_id))) this.#onCoreEvent();
    if (this.#cacheCoreStates) this.#cache.apply(event);
    if (this.#interest.has(STATE_CHANGED) && !this.#starLive()) this.#emit(event);
  }

  #parse(payload: unknown): CoreEvent | null {
    const event = parseCoreEvent(payload);
    if (!event) this.#log.warn('dropped a malformed event from Home Assistant');
    return event;
  }

  #emit(event: CoreEvent, resync = false): void {
    try {
      const normalized = normalizeEvent(event, this.#now());
      this.#publish(resync ? { ...normalized, resync: true, data: { ...(normalized.data as object), resync: true } } : normalized);
    } catch (err) {
      this.#log.error({ err, eventType: event.event_type }, 'publishing an event failed');
    }
  }

  async #resync(): Promise<void> {
    const generation = ++this.#generation;
    let fresh: HaState[];
    try {
      fresh = parseStates(await this.#connection.command(getStates()));
    } catch (err) {
      // The connection dropped again; the next connect resyncs.
      this.#log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'get_states failed');
      return;
    }
    if (generation !== this.#generation) return;
    const missed = this.#cache.replace(fresh, isoTime(this.#now()));
    const publishStates = this.#interest.has(STATE_CHANGED) || this.#interest.has(STAR);
    if (this.#hasSnapshot && publishStates) for (const event of missed) this.#emit(event, true);
    if (this.#hasSnapshot && missed.length > 0) this.#log.info({ changed: missed.length }, 'resynchronized states after reconnect');
    this.#hasSnapshot = true;
    this.#setState('connected');
  }

  #setState(state: UpstreamState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const listener of this.#statusListeners) {
      try {
        listener(state);
      } catch (err) {
        this.#log.error({ err }, 'upstream status listener failed');
      }
    }
  }
}

/** A normalized state_changed event's data as core's `{entity_id, new_state}` (null when removed). */
function followedState(event: HubEvent): { entity_id: string; new_state: HaState | null } | undefined {
  const data = event.data as Partial<HaState> & { entity_id?: unknown; state?: unknown };
  if (typeof data.entity_id !== 'string') return undefined;
  if (data.state === null) return { entity_id: data.entity_id, new_state: null };
  if (typeof data.state !== 'string') return undefined;
  return {
    entity_id: data.entity_id,
    new_state: {
      entity_id: data.entity_id,
      state: data.state,
      attributes: data.attributes ?? {},
      last_changed: data.last_changed ?? event.timestamp,
      last_updated: data.last_updated ?? event.timestamp,
      context: { id: '', parent_id: null, user_id: null },
    },
  };
}
