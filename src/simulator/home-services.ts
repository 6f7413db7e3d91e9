/**
 * Entity services of the simulated home: lights, switches, covers, climate, the generic
 * `homeassistant.*` services, persistent notifications and notify. Each changes state through the
 * state machine with the caller's context, so `call_service` is followed by `state_changed` as in core.
 */
import type { HaState } from '../base/types.ts';
import type { SimulatedCore } from './core.ts';
import type { ServiceCall } from './services.ts';
import { isoMicros } from './time.ts';

/** The entities a call targets: `entity_id` as a string (comma list allowed), a list, or `all`. */
export function targetEntities(core: SimulatedCore, domain: string | undefined, data: Record<string, unknown>): HaState[] {
  const raw = data.entity_id;
  const ids =
    raw === 'all'
      ? core.states.entityIds(domain)
      : (Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : []).map((id) => String(id).trim());
  return ids
    .filter((id) => domain === undefined || id.startsWith(`${domain}.`))
    .map((id) => core.states.get(id))
    .filter((s): s is HaState => s !== undefined);
}

/** Kelvin → RGB (Tanner Helland's approximation), enough for believable light attributes. */
function kelvinToRgb(kelvin: number): [number, number, number] {
  const t = kelvin / 100;
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  const r = t <= 66 ? 255 : 329.698727446 * (t - 60) ** -0.1332047592;
  const g = t <= 66 ? 99.4708025861 * Math.log(t) - 161.1195681661 : 288.1221695283 * (t - 60) ** -0.0755148492;
  const b = t >= 66 ? 255 : t <= 19 ? 0 : 138.5177312231 * Math.log(t - 10) - 305.0447927307;
  return [clamp(r), clamp(g), clamp(b)];
}

function rgbToHsXy([r, g, b]: [number, number, number]): { hs: [number, number]; xy: [number, number] } {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  let h = 0;
  if (d > 0) h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  const round3 = (v: number) => Math.round(v * 1000) / 1000;
  const hs: [number, number] = [round3((h * 60 + 360) % 360), round3(max === 0 ? 0 : (d / max) * 100)];
  const lin = (c: number) => (c / 255 > 0.04045 ? ((c / 255 + 0.055) / 1.055) ** 2.4 : c / 255 / 12.92);
  const [R, G, B] = [lin(r), lin(g), lin(b)];
  const X = R * 0.664511 + G * 0.154324 + B * 0.162028;
  const Y = R * 0.283881 + G * 0.668433 + B * 0.047685;
  const Z = R * 0.000088 + G * 0.07231 + B * 0.986039;
  const sum = X + Y + Z || 1;
  return { hs, xy: [round3(X / sum), round3(Y / sum)] };
}

/** Light attributes for a light that is on, keeping the entity's static attributes. */
export function lightOnAttributes(current: Record<string, unknown>, data: Record<string, unknown>): Record<string, unknown> {
  const pct = typeof data.brightness_pct === 'number' ? Math.round((data.brightness_pct * 255) / 100) : undefined;
  const previous = typeof current.brightness === 'number' ? current.brightness : 255;
  const brightness = Math.max(1, Math.min(255, typeof data.brightness === 'number' ? data.brightness : (pct ?? previous)));
  const kelvin = typeof data.color_temp_kelvin === 'number' ? data.color_temp_kelvin : typeof current.color_temp_kelvin === 'number' ? current.color_temp_kelvin : 2732;
  const rgb = kelvinToRgb(kelvin);
  const { hs, xy } = rgbToHsXy(rgb);
  return { ...current, color_mode: 'color_temp', brightness, color_temp_kelvin: kelvin, hs_color: hs, rgb_color: rgb, xy_color: xy };
}

export function lightOffAttributes(current: Record<string, unknown>): Record<string, unknown> {
  return { ...current, color_mode: null, brightness: null, color_temp_kelvin: null, hs_color: null, rgb_color: null, xy_color: null };
}

function onOff(core: SimulatedCore, domain: string, applyOn: (s: HaState, call: ServiceCall) => void, applyOff: (s: HaState, call: ServiceCall) => void): void {
  core.services.register(domain, 'turn_on', (call) => targetEntities(core, domain, call.data).forEach((s) => applyOn(s, call)));
  core.services.register(domain, 'turn_off', (call) => targetEntities(core, domain, call.data).forEach((s) => applyOff(s, call)));
  core.services.register(domain, 'toggle', (call) =>
    targetEntities(core, domain, call.data).forEach((s) => (s.state === 'on' ? applyOff(s, call) : applyOn(s, call))),
  );
}

export function installHomeServices(core: SimulatedCore): void {
  const set = (s: HaState, state: string, attributes: Record<string, unknown>, call: ServiceCall) =>
    core.states.set(s.entity_id, state, attributes, call.context);

  onOff(
    core,
    'light',
    (s, call) => set(s, 'on', lightOnAttributes(s.attributes, call.data), call),
    (s, call) => set(s, 'off', lightOffAttributes(s.attributes), call),
  );
  onOff(
    core,
    'switch',
    (s, call) => set(s, 'on', s.attributes, call),
    (s, call) => set(s, 'off', s.attributes, call),
  );

  const cover = (s: HaState, position: number, call: ServiceCall) =>
    set(s, position === 0 ? 'closed' : 'open', { ...s.attributes, current_position: position }, call);
  core.services.register('cover', 'open_cover', (call) => targetEntities(core, 'cover', call.data).forEach((s) => cover(s, 100, call)));
  core.services.register('cover', 'close_cover', (call) => targetEntities(core, 'cover', call.data).forEach((s) => cover(s, 0, call)));
  core.services.register('cover', 'stop_cover', () => {});
  core.services.register('cover', 'toggle', (call) =>
    targetEntities(core, 'cover', call.data).forEach((s) => cover(s, s.state === 'closed' ? 100 : 0, call)),
  );
  core.services.register('cover', 'set_cover_position', (call) => {
    const position = Number(call.data.position);
    if (!Number.isFinite(position)) return;
    targetEntities(core, 'cover', call.data).forEach((s) => cover(s, Math.max(0, Math.min(100, Math.round(position))), call));
  });

  core.services.register('climate', 'set_temperature', (call) =>
    targetEntities(core, 'climate', call.data).forEach((s) =>
      set(s, s.state, { ...s.attributes, temperature: typeof call.data.temperature === 'number' ? call.data.temperature : s.attributes.temperature }, call),
    ),
  );
  core.services.register('climate', 'set_hvac_mode', (call) =>
    targetEntities(core, 'climate', call.data).forEach((s) => set(s, String(call.data.hvac_mode ?? s.state), s.attributes, call)),
  );
  core.services.register('climate', 'turn_on', (call) => targetEntities(core, 'climate', call.data).forEach((s) => set(s, 'heat', s.attributes, call)));
  core.services.register('climate', 'turn_off', (call) => targetEntities(core, 'climate', call.data).forEach((s) => set(s, 'off', s.attributes, call)));

  // homeassistant.turn_on/off/toggle call each domain's own service, firing call_service again, as core does.
  for (const service of ['turn_on', 'turn_off', 'toggle']) {
    core.services.register('homeassistant', service, (call) => {
      const byDomain = new Map<string, string[]>();
      for (const s of targetEntities(core, undefined, call.data)) {
        const domain = s.entity_id.split('.')[0] ?? '';
        byDomain.set(domain, [...(byDomain.get(domain) ?? []), s.entity_id]);
      }
      for (const [domain, ids] of byDomain) {
        if (core.services.has(domain, service)) core.services.call(domain, service, { ...call.data, entity_id: ids }, call.context);
      }
    });
  }

  core.services.register('persistent_notification', 'create', (call) => {
    const id = typeof call.data.notification_id === 'string' ? call.data.notification_id : core.random.hex(32);
    core.notifications.set(id, {
      title: typeof call.data.title === 'string' ? call.data.title : null,
      message: String(call.data.message ?? ''),
      created_at: isoMicros(core.clock.now()),
    });
  });
  core.services.register('persistent_notification', 'dismiss', (call) => {
    if (typeof call.data.notification_id === 'string') core.notifications.delete(call.data.notification_id);
  });
  core.services.registerAny('notify', (call) => core.notifyCalls.push({ service: call.service, data: call.data }));
}
