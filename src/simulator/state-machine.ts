/**
 * The simulated core's state machine (core `StateMachine.async_set_internal`, docs/home-assistant.md §7):
 * a write that changes the state or attributes fires `state_changed` (with `last_changed` kept when
 * only attributes changed); an identical write fires `state_reported` instead.
 */
import type { HaState } from '../base/types.ts';
import type { HaContext } from '../ha/messages.ts';
import type { EventBus } from './event-bus.ts';
import { isoMicros, type MicroClock } from './time.ts';

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export class StateMachine {
  readonly #states = new Map<string, HaState>();

  constructor(
    readonly bus: EventBus,
    readonly clock: MicroClock,
  ) {}

  get(entityId: string): HaState | undefined {
    return this.#states.get(entityId);
  }

  all(): HaState[] {
    return [...this.#states.values()];
  }

  entityIds(domain?: string): string[] {
    const ids = [...this.#states.keys()];
    return domain ? ids.filter((id) => id.startsWith(`${domain}.`)) : ids;
  }

  /**
   * Writes a state. Attributes replace the old ones entirely, as in core. Returns the new state, or
   * the unchanged old one when the write only reported it.
   */
  set(entityId: string, state: string, attributes: Record<string, unknown>, context: HaContext): HaState {
    const now = this.clock.now();
    const iso = isoMicros(now);
    const old = this.#states.get(entityId);
    if (old && old.state === state && sameJson(old.attributes, attributes)) {
      const oldReported = old.last_reported;
      old.last_reported = iso;
      this.bus.fire('state_reported', { entity_id: entityId, old_last_reported: oldReported, new_state: old }, { context, timeFiredMicros: now });
      return old;
    }
    const fresh: HaState = {
      entity_id: entityId,
      state,
      attributes: { ...attributes },
      last_changed: old && old.state === state ? old.last_changed : iso,
      last_reported: iso,
      last_updated: iso,
      context,
    };
    this.#states.set(entityId, fresh);
    this.bus.fire('state_changed', { entity_id: entityId, old_state: old ?? null, new_state: fresh }, { context, timeFiredMicros: now });
    return fresh;
  }

  /** Removes an entity (`new_state: null`). False when it did not exist. */
  remove(entityId: string, context: HaContext): boolean {
    const old = this.#states.get(entityId);
    if (!old) return false;
    this.#states.delete(entityId);
    this.bus.fire('state_changed', { entity_id: entityId, old_state: old, new_state: null }, { context, timeFiredMicros: this.clock.now() });
    return true;
  }
}
