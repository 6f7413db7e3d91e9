/** Shared helpers for the Home Assistant tests: a capturing logger, condition polling, commands the product never sends. */
import type { HaCommand } from '../../src/ha/messages.ts';

export { captureLogger, type CapturedLogger } from '../log-capture.ts';

/** `call_service` over the websocket (the product calls services over REST). */
export const callService = (domain: string, service: string, serviceData?: Record<string, unknown>): HaCommand =>
  serviceData === undefined ? { type: 'call_service', domain, service } : { type: 'call_service', domain, service, service_data: serviceData };

/** `fire_event` over the websocket (the product fires events over REST). */
export const fireEvent = (eventType: string, eventData?: Record<string, unknown>): HaCommand =>
  eventData === undefined ? { type: 'fire_event', event_type: eventType } : { type: 'fire_event', event_type: eventType, event_data: eventData };

