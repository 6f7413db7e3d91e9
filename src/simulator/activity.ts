/**
 * Life in the demo home: sensors drift, people walk past motion sensors (which trigger automations
 * that turn lights on), doors open (which runs a script), and someone flips a switch now and then.
 * Paced so the core fires about `eventRate` events per second on average.
 */
import { systemTimers, type TimerHandle, type Timers } from '../base/timers.ts';
import type { SimulatedCore } from './core.ts';

export interface DemoActivityOptions {
  /** Average events per second; 0 keeps the home quiet. */
  eventRate: number;
  /** The user id that manual actions (switches, thermostat) are attributed to. */
  userId: string;
  /** The pacing clock. Default `Date.now`. */
  now?: () => number;
  /** The pacing tick. Default: Node's timers (unref'd). */
  timers?: Timers;
}

const DRIFT: Record<string, { step: number; min: number; max: number; decimals: number }> = {
  'sensor.living_room_temperature': { step: 0.1, min: 18, max: 25, decimals: 1 },
  'sensor.bedroom_temperature': { step: 0.1, min: 17, max: 24, decimals: 1 },
  'sensor.outdoor_temperature': { step: 0.2, min: 5, max: 30, decimals: 1 },
  'sensor.living_room_humidity': { step: 1, min: 35, max: 65, decimals: 0 },
  'sensor.office_co2': { step: 15, min: 400, max: 1400, decimals: 0 },
  'sensor.house_power': { step: 35.5, min: 120, max: 3200, decimals: 1 },
  'sensor.phone_battery': { step: 1, min: 5, max: 100, decimals: 0 },
};

export class DemoActivity {
  readonly #now: () => number;
  readonly #timers: Timers;
  #timer: TimerHandle | undefined;
  #startedAt = 0;
  #firedAtStart = 0;

  constructor(
    readonly core: SimulatedCore,
    readonly options: DemoActivityOptions,
  ) {
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? systemTimers();
  }

  start(): void {
    if (this.options.eventRate <= 0 || this.#timer !== undefined) return;
    this.#startedAt = this.#now();
    this.#firedAtStart = this.core.bus.total;
    const tickMs = Math.max(20, Math.min(1000, 1000 / this.options.eventRate));
    this.#timer = this.#timers.setInterval(() => this.#tick(), tickMs);
  }

  stop(): void {
    if (this.#timer !== undefined) this.#timers.clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const target = (this.options.eventRate * (this.#now() - this.#startedAt)) / 1000;
    // Bounded, so a stalled event loop does not turn into a burst of thousands of events.
    for (let i = 0; i < 200 && this.core.bus.total - this.#firedAtStart < target; i++) this.step();
  }

  /** One thing happening in the home (public so tests can drive the home without timers). */
  step(): void {
    const r = this.core.random.next();
    if (r < 0.6) this.#drift();
    else if (r < 0.8) this.#motion();
    else if (r < 0.87) this.#door();
    else if (r < 0.97) this.#manual();
    else this.#energy();
  }

  #drift(): void {
    const random = this.core.random;
    const entityId = random.pick(Object.keys(DRIFT));
    const spec = DRIFT[entityId];
    const state = this.core.states.get(entityId);
    if (!spec || !state) return;
    const current = Number(state.state);
    const next = Math.min(spec.max, Math.max(spec.min, current + (random.next() < 0.5 ? -1 : 1) * spec.step * random.int(1, 3)));
    this.core.states.set(entityId, next.toFixed(spec.decimals), state.attributes, this.core.context());
  }

  #energy(): void {
    const state = this.core.states.get('sensor.energy_today');
    if (!state) return;
    this.core.states.set(state.entity_id, (Number(state.state) + 0.013).toFixed(3), state.attributes, this.core.context());
  }

  #toggleBinary(entityId: string): void {
    const state = this.core.states.get(entityId);
    if (state) this.core.states.set(entityId, state.state === 'on' ? 'off' : 'on', state.attributes, this.core.context());
  }

  #motion(): void {
    this.#toggleBinary(this.core.random.pick(['binary_sensor.hallway_motion', 'binary_sensor.kitchen_motion']));
  }

  #door(): void {
    this.#toggleBinary(this.core.random.pick(['binary_sensor.front_door', 'binary_sensor.back_window']));
  }

  #manual(): void {
    const context = this.core.context(this.options.userId);
    const random = this.core.random;
    const choice = random.int(0, 4);
    if (choice === 0) this.core.callService('switch', 'toggle', { entity_id: random.pick(['switch.coffee_maker', 'switch.tv', 'switch.dehumidifier']) }, context);
    else if (choice === 1) this.core.callService('light', 'turn_off', { entity_id: ['light.hallway', 'light.kitchen'] }, context);
    else if (choice === 2) this.core.callService('light', 'toggle', { entity_id: random.pick(['light.bedroom', 'light.office_desk']) }, context);
    else if (choice === 3) this.core.callService('climate', 'set_temperature', { entity_id: 'climate.living_room', temperature: random.int(38, 44) / 2 }, context);
    else this.core.callService('cover', 'toggle', { entity_id: 'cover.garage_door' }, context);
  }
}
