/**
 * Writes the hub's sensors into Home Assistant at a modest cadence, off the per-event path: a
 * tick every `tickMs` (default 5 s) publishes an entity only when its value changed, numeric
 * sensors at most every `intervalMs` (default 30 s), binary sensors (the upstream link, alerts)
 * on the first tick after they change. A failed write is retried on a later tick.
 */
import type { Logger } from '../base/log.ts';
import type { TimerHandle, Timers } from '../base/timers.ts';
import type { SensorState } from './ha-sensors.ts';

export interface SensorPublisherOptions {
  /** The sensors as they are now. */
  read: () => SensorState[];
  /** Writes one entity (core's `POST /api/states/<entity_id>`). */
  write: (sensor: SensorState) => Promise<void>;
  timers: Timers;
  now: () => number;
  logger: Logger;
  tickMs?: number;
  intervalMs?: number;
}

export class SensorPublisher {
  readonly #options: SensorPublisherOptions;
  /** What Home Assistant holds, as far as we know: entity id → the JSON last written. */
  readonly #written = new Map<string, string>();
  #lastNumeric = -Infinity;
  #timer: TimerHandle | undefined;
  #busy = false;
  #failing = false;

  constructor(options: SensorPublisherOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = this.#options.timers.setInterval(() => void this.tick(), this.#options.tickMs ?? 5000);
    void this.tick();
  }

  stop(): void {
    if (this.#timer) this.#options.timers.clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One round: writes what changed and is due. Resolves when the writes are done. */
  async tick(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const now = this.#options.now();
      const numericDue = now - this.#lastNumeric >= (this.#options.intervalMs ?? 30_000);
      for (const sensor of this.#options.read()) {
        const binary = sensor.entity_id.startsWith('binary_sensor.');
        if (!binary && !numericDue) continue;
        const body = JSON.stringify({ state: sensor.state, attributes: sensor.attributes });
        if (this.#written.get(sensor.entity_id) === body) continue;
        await this.#options.write(sensor);
        this.#written.set(sensor.entity_id, body);
      }
      if (numericDue) this.#lastNumeric = now;
      if (this.#failing) this.#options.logger.info('hub sensors are written to Home Assistant again');
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) this.#options.logger.warn({ reason: err instanceof Error ? err.message : String(err) }, 'writing hub sensors to Home Assistant failed; retrying');
      this.#failing = true;
    } finally {
      this.#busy = false;
    }
  }
}
