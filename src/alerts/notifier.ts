/**
 * Delivers alert transitions: a log line, an `alert` event on admin SSE streams, a Home Assistant
 * persistent notification (created on firing with a stable `notification_id`, dismissed on
 * resolve), a Home Assistant event `sse_hub_alert` for automations, and optionally the notify
 * service from the options. Every channel fails alone: failures are logged, never thrown.
 */
import type { Logger } from '../base/log.ts';
import type { ConnectionRegistry } from '../base/types.ts';
import { systemTimers, type TimerHandle, type Timers } from '../base/timers.ts';
import type { AlertView } from './alert-view.ts';

/** The Home Assistant calls alerts need (implemented by `ha/rest.ts`'s HaRestClient). */
export interface HomeAssistantServices {
  callService(domain: string, service: string, data: Record<string, unknown>): Promise<void>;
  fireEvent(type: string, data: Record<string, unknown>): Promise<void>;
}

/** The Home Assistant event type automations can trigger on. */
export const HA_ALERT_EVENT = 'sse_hub_alert';

/** The persistent notification id of an alert: stable, so a later firing replaces it and resolving dismisses it. */
export function notificationId(alert: string): string {
  return `sse_hub_alert_${alert}`;
}

export interface AlertNotifierOptions {
  logger: Logger;
  /** Admin SSE streams; absent until the hub exists. */
  admins?: Pick<ConnectionRegistry, 'notifyAdmins'>;
  /** Home Assistant; absent when there is none to notify. */
  ha?: HomeAssistantServices;
  /** Option `notify_service`, e.g. `notify.mobile_app_phone`. */
  notifyService?: string;
  /** Longest wait for one Home Assistant call, ms. Default 10000. */
  timeoutMs?: number;
  /** Where the call timeout is scheduled. Default: Node's timers (unref'd). */
  timers?: Timers;
}

export class AlertNotifier {
  readonly #options: AlertNotifierOptions;
  readonly #timers: Timers;

  constructor(options: AlertNotifierOptions) {
    this.#options = options;
    this.#timers = options.timers ?? systemTimers();
  }

  async fired(alert: AlertView): Promise<void> {
    this.#options.logger.warn({ alert: alert.alert, severity: alert.severity, value: alert.value, threshold: alert.threshold }, `alert firing: ${alert.message}`);
    this.#toAdmins(alert);
    const title = `SSE Hub: ${alert.title}`;
    await Promise.all([
      this.#call('persistent notification', (ha) =>
        ha.callService('persistent_notification', 'create', { notification_id: notificationId(alert.alert), title, message: alert.message }),
      ),
      this.#call('event', (ha) => ha.fireEvent(HA_ALERT_EVENT, { ...alert })),
      this.#notify(title, alert.message),
    ]);
  }

  async resolved(alert: AlertView): Promise<void> {
    this.#options.logger.info({ alert: alert.alert }, `alert resolved: ${alert.title}`);
    this.#toAdmins(alert);
    await Promise.all([
      this.#call('persistent notification dismissal', (ha) =>
        ha.callService('persistent_notification', 'dismiss', { notification_id: notificationId(alert.alert) }),
      ),
      this.#call('event', (ha) => ha.fireEvent(HA_ALERT_EVENT, { ...alert })),
      this.#notify(`SSE Hub: resolved: ${alert.title}`, `${alert.title} is over (was: ${alert.message})`),
    ]);
  }

  #toAdmins(alert: AlertView): void {
    try {
      this.#options.admins?.notifyAdmins('alert', alert);
    } catch (err) {
      this.#options.logger.error({ err }, 'alert: notifying admin streams failed');
    }
  }

  async #notify(title: string, message: string): Promise<void> {
    const service = this.#options.notifyService;
    if (!service) return;
    const name = service.replace(/^notify\./, '');
    await this.#call(`notify service ${service}`, (ha) => ha.callService('notify', name, { title, message }));
  }

  async #call(what: string, fn: (ha: HomeAssistantServices) => Promise<void>): Promise<void> {
    const ha = this.#options.ha;
    if (!ha) return;
    let timer: TimerHandle | undefined;
    const timeoutMs = this.#options.timeoutMs ?? 10_000;
    try {
      await Promise.race([
        fn(ha),
        new Promise<never>((_, reject) => {
          timer = this.#timers.setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      this.#options.logger.error({ err }, `alert: Home Assistant ${what} failed`);
    } finally {
      if (timer !== undefined) this.#timers.clearTimeout(timer);
    }
  }
}
