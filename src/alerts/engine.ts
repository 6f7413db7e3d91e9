/**
 * The alert engine: evaluates {@link ALERT_RULES} every few seconds against live figures.
 * A condition that holds for `sustain_seconds` fires (unless the same alert fired less than
 * `cooldown_minutes` ago; then it fires when the cooldown ends, if it still holds); a firing alert
 * resolves when its condition no longer holds. Transitions are persisted (history and firing
 * alerts survive a restart, so a notification raised before a restart is dismissed after it) and
 * delivered by the {@link AlertNotifier}.
 *
 * Thresholds: the options' values, overridden at runtime through the API; overrides are persisted
 * and win over the options until removed (set to null).
 */
import { z } from 'zod';
import type { Logger } from '../base/log.ts';
import type { AlertPersistence, AlertRecord } from './records.ts';
import { alertView, type AlertView } from './alert-view.ts';
import type { AlertNotifier } from './notifier.ts';
import {
  ALERT_RULES,
  THRESHOLD_KEYS,
  thresholdSchema,
  thresholdsSchema,
  type AlertInputs,
  type AlertRule,
  type ThresholdKey,
  type Thresholds,
  type ThresholdsUpdate,
} from './rules.ts';
import { MINUTE_MS, systemTimers, type Now, type TimerHandle, type Timers } from '../metrics/clock.ts';

/** Where alerts are persisted (`attachAlertRecords` of `records.ts`; never throws, undefined while unavailable). */
export interface AlertStore {
  use<T>(fn: (alerts: AlertPersistence) => T): T | undefined;
}

export interface AlertEngineOptions {
  /** Thresholds from the options (`thresholdsFromOptions(config.options)`). */
  defaults: Thresholds;
  inputs: { read(): AlertInputs };
  store: AlertStore;
  notifier: AlertNotifier;
  logger: Logger;
  /** The clock. Default `Date.now`. */
  now?: Now;
  /** Default: Node's timers (unref'd). */
  timers?: Timers;
  /** Milliseconds between evaluations. Default 5000. */
  evaluateIntervalMs?: number;
  /** Transitions kept in memory for the history endpoint while the store is unavailable. Default 200. */
  memoryHistory?: number;
}

/** The `data` of `GET` and `PUT /api/sse/alerts/thresholds`; the type derives from it. */
export const thresholdsViewSchema = z.strictObject({
  thresholds: thresholdsSchema.describe('In effect: defaults with overrides applied'),
  defaults: thresholdsSchema.describe('From the add-on options'),
  overrides: thresholdsSchema.partial().describe('Set through the API'),
  persisted: z.boolean().describe('false when overrides could not be saved (store unavailable): they last until restart'),
});
export type ThresholdsView = z.infer<typeof thresholdsViewSchema>;

interface RuleState {
  pendingSince?: number;
  firing?: AlertRecord;
  lastFiredAt?: number;
}

export class AlertEngine {
  readonly #options: AlertEngineOptions;
  readonly #now: Now;
  readonly #timers: Timers;
  readonly #states = new Map<string, RuleState>();
  readonly #memoryHistory: AlertRecord[] = [];
  #overrides: Partial<Thresholds> = {};
  #timer: TimerHandle | undefined;
  #nextId = 1;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(options: AlertEngineOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? systemTimers();
  }

  /** Loads overrides, firing alerts and cooldowns from the store, then evaluates periodically. */
  start(): void {
    const { store, logger } = this.#options;
    const overrides = store.use((a) => a.loadOverrides()) ?? {};
    for (const [key, value] of Object.entries(overrides)) {
      if ((THRESHOLD_KEYS as string[]).includes(key) && thresholdSchema(key as ThresholdKey).safeParse(value).success) {
        this.#overrides[key as ThresholdKey] = value;
      } else {
        logger.warn({ key }, 'ignoring an invalid stored alert threshold');
      }
    }
    for (const record of store.use((a) => a.firing()) ?? []) this.#state(record.alert).firing = record;
    for (const [alert, at] of Object.entries(store.use((a) => a.lastFired()) ?? {})) this.#state(alert).lastFiredAt = at;
    this.#timer = this.#timers.setInterval(() => void this.evaluate(), this.#options.evaluateIntervalMs ?? 5000);
  }

  /** Stops evaluating and waits for notifications under way. */
  async stop(): Promise<void> {
    this.#timers.clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  thresholds(): ThresholdsView {
    return {
      thresholds: { ...this.#options.defaults, ...this.#overrides },
      defaults: { ...this.#options.defaults },
      overrides: { ...this.#overrides },
      persisted: this.#options.store.use(() => true) ?? false,
    };
  }

  /** Applies a validated update (`thresholdsUpdateSchema`): numbers override, null removes an override. */
  updateThresholds(update: ThresholdsUpdate): ThresholdsView {
    const changes: Record<string, number | null> = {};
    for (const key of THRESHOLD_KEYS) {
      const value = update[key];
      if (value === undefined) continue;
      changes[key] = value;
      if (value === null) delete this.#overrides[key];
      else this.#overrides[key] = value;
    }
    const saved = this.#options.store.use((a) => {
      a.saveOverrides(changes, this.#now());
      return true;
    });
    this.#options.logger.info({ changes }, 'alert thresholds updated');
    return { ...this.thresholds(), persisted: saved ?? false };
  }

  /** Alerts firing now, oldest first. */
  active(): AlertView[] {
    const firing = [...this.#states.values()].flatMap((s) => (s.firing ? [s.firing] : []));
    return firing.sort((a, b) => a.firedAt - b.firedAt).map(alertView);
  }

  /** Transitions, newest first. */
  history(limit = 100): AlertView[] {
    const stored = this.#options.store.use((a) => a.history(limit));
    return (stored ?? [...this.#memoryHistory].reverse().slice(0, limit)).map(alertView);
  }

  /** Evaluates every rule once; resolves when the notifications of this and every earlier evaluation were attempted. */
  evaluate(): Promise<void> {
    let inputs: AlertInputs;
    try {
      inputs = this.#options.inputs.read();
    } catch (err) {
      this.#options.logger.error({ err }, 'alert inputs could not be read');
      return this.#inFlight;
    }
    const thresholds = { ...this.#options.defaults, ...this.#overrides };
    const notifications: Promise<void>[] = [];
    for (const rule of ALERT_RULES) notifications.push(...this.#evaluateRule(rule, inputs, thresholds));
    this.#inFlight = Promise.all([this.#inFlight, ...notifications]).then(() => undefined);
    return this.#inFlight;
  }

  #evaluateRule(rule: AlertRule, inputs: AlertInputs, t: Thresholds): Promise<void>[] {
    const now = this.#now();
    const state = this.#state(rule.key);
    const result = rule.check(inputs, t);
    if (!result?.active) {
      state.pendingSince = undefined;
      if (!state.firing) return [];
      const record = state.firing;
      state.firing = undefined;
      record.resolvedAt = now;
      record.resolveMessage = result ? rule.message(result) : 'Rule turned off or no data';
      this.#options.store.use((a) => a.markResolved(record.id, now, record.resolveMessage ?? ''));
      return [this.#options.notifier.resolved(alertView(record))];
    }
    if (state.firing) return [];
    state.pendingSince ??= now;
    const sustainMs = rule.sustained ? t.sustain_seconds * 1000 : 0;
    const cooledDown = state.lastFiredAt === undefined || now - state.lastFiredAt >= t.cooldown_minutes * MINUTE_MS;
    if (now - state.pendingSince < sustainMs || !cooledDown) return [];
    const fields = { alert: rule.key, severity: rule.severity, message: rule.message(result), value: result.value, threshold: result.threshold, firedAt: now };
    const id = this.#options.store.use((a) => a.insertFiring(fields)) ?? this.#nextId++;
    const record: AlertRecord = { id, ...fields, resolvedAt: null, resolveMessage: null };
    state.firing = record;
    state.lastFiredAt = now;
    state.pendingSince = undefined;
    this.#memoryHistory.push(record);
    while (this.#memoryHistory.length > (this.#options.memoryHistory ?? 200)) this.#memoryHistory.shift();
    return [this.#options.notifier.fired(alertView(record))];
  }

  #state(alert: string): RuleState {
    let state = this.#states.get(alert);
    if (!state) {
      state = {};
      this.#states.set(alert, state);
    }
    return state;
  }
}
