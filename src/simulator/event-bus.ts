/**
 * The simulated core's event bus (core `EventBus`): listeners per event type or `*`, events built
 * with core's key order (docs/home-assistant.md §6: event_type, data, origin, time_fired, context).
 */
import type { CoreEvent, HaContext } from '../ha/messages.ts';
import { isoMicros } from './time.ts';

export type BusListener = (event: CoreEvent) => void;

/** `*` listeners never hear these (core `EVENTS_EXCLUDED_FROM_MATCH_ALL`). */
const EXCLUDED_FROM_MATCH_ALL: ReadonlySet<string> = new Set(['homeassistant_close', 'state_reported']);

export interface FireOptions {
  context: HaContext;
  /** Epoch microseconds of `time_fired`. */
  timeFiredMicros: number;
  /** `REMOTE` for events fired through REST `POST /api/events/…`. Default `LOCAL`. */
  origin?: 'LOCAL' | 'REMOTE';
}

export class EventBus {
  readonly #listeners = new Map<string, Set<BusListener>>();
  /** Events fired so far, per type (tests and the demo log use it). */
  readonly fired = new Map<string, number>();
  /** Events fired so far, all types. */
  total = 0;

  /** Listens to one event type, or every type but the excluded ones with `*`. */
  listen(eventType: string, listener: BusListener): () => void {
    let set = this.#listeners.get(eventType);
    if (!set) this.#listeners.set(eventType, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  fire(eventType: string, data: Record<string, unknown>, { context, timeFiredMicros, origin = 'LOCAL' }: FireOptions): CoreEvent {
    const event: CoreEvent = { event_type: eventType, data, origin, time_fired: isoMicros(timeFiredMicros), context };
    this.fired.set(eventType, (this.fired.get(eventType) ?? 0) + 1);
    this.total++;
    // Snapshot the listener sets: a listener may subscribe or unsubscribe while we dispatch.
    const specific = [...(this.#listeners.get(eventType) ?? [])];
    const all = EXCLUDED_FROM_MATCH_ALL.has(eventType) ? [] : [...(this.#listeners.get('*') ?? [])];
    for (const listener of [...specific, ...all]) listener(event);
    return event;
  }
}
