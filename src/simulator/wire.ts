/**
 * What the simulated core writes, byte for byte in core's key order (docs/home-assistant.md §2, §4, §6):
 * compact JSON, results `{id, type, success, result|error}`, events `{type, event, id}` with `id`
 * last (core serialises the event once and appends the id).
 */
import type { HaContext } from '../ha/messages.ts';

export const authRequired = (haVersion: string) => JSON.stringify({ type: 'auth_required', ha_version: haVersion });
export const authOk = (haVersion: string) => JSON.stringify({ type: 'auth_ok', ha_version: haVersion });
export const authInvalid = (message: string) => JSON.stringify({ type: 'auth_invalid', message });

export const AUTH_INVALID_TOKEN = 'Invalid access token or password';

export const result = (id: number, value: unknown = null) => JSON.stringify({ id, type: 'result', success: true, result: value });

export interface Translation {
  key: string;
  domain: string;
  placeholders: Record<string, string>;
}

/** Core's `error_message`: translation fields only when a translation key exists, all three together. */
export function error(id: unknown, code: string, message: string, translation?: Translation): string {
  const payload: Record<string, unknown> = { code, message };
  if (translation) {
    payload.translation_key = translation.key;
    payload.translation_placeholders = translation.placeholders;
    payload.translation_domain = translation.domain;
  }
  return JSON.stringify({ id, type: 'result', success: false, error: payload });
}

export const pong = (id: number) => JSON.stringify({ id, type: 'pong' });

/** A subscription event: the cached event JSON with `"id"` appended last. */
export const event = (id: number, payload: unknown) => `{"type":"event","event":${JSON.stringify(payload)},"id":${id}}`;

/** `subscribe_entities`' initial event, which core builds with `event_message` (id first). */
export const eventIdFirst = (id: number, payload: unknown) => JSON.stringify({ id, type: 'event', event: payload });

export const contextResult = (context: HaContext) => ({ context: { id: context.id, parent_id: context.parent_id, user_id: context.user_id } });
