/**
 * Scripts and automations of the simulated home, with core's event semantics (docs/home-assistant.md §7):
 * - a script run fires `script_started` `{name, entity_id}` with the caller's context, and its
 *   actions run in that context;
 * - an automation whose trigger matches fires `automation_triggered` `{name, entity_id, source?}`
 *   with a new context whose `parent_id` is the triggering context, records `last_triggered`, and
 *   runs its actions in the new context.
 */
import type { HaContext } from '../ha/messages.ts';
import type { SimulatedCore } from './core.ts';
import { targetEntities } from './home-services.ts';
import { isoMicros } from './time.ts';

/** One service call of a sequence, e.g. `{ service: 'light.turn_on', data: { entity_id: 'light.x' } }`. */
export interface Action {
  service: string;
  data: Record<string, unknown>;
}

export interface ScriptDef {
  entityId: string;
  name: string;
  sequence: Action[];
}

export interface AutomationDef {
  entityId: string;
  name: string;
  /** A state trigger: fires when `entityId` changes to `to`. */
  trigger: { entityId: string; to: string };
  sequence: Action[];
}

function runSequence(core: SimulatedCore, sequence: Action[], context: HaContext): void {
  for (const action of sequence) {
    const [domain = '', service = ''] = action.service.split('.');
    core.services.call(domain, service, { ...action.data }, context);
  }
}

export function installScripts(core: SimulatedCore, scripts: ScriptDef[]): void {
  const byId = new Map(scripts.map((s) => [s.entityId, s]));
  for (const script of scripts) {
    core.states.set(script.entityId, 'off', { last_triggered: null, mode: 'single', current: 0, friendly_name: script.name }, core.context());
  }

  const run = (entityId: string, context: HaContext) => {
    const script = byId.get(entityId);
    const state = core.states.get(entityId);
    if (!script || !state) return;
    core.bus.fire('script_started', { name: script.name, entity_id: entityId }, { context, timeFiredMicros: core.clock.now() });
    const lastTriggered = isoMicros(core.clock.now());
    core.states.set(entityId, 'on', { ...state.attributes, last_triggered: lastTriggered, current: 1 }, context);
    runSequence(core, script.sequence, context);
    core.states.set(entityId, 'off', { ...state.attributes, last_triggered: lastTriggered, current: 0 }, context);
  };

  core.services.register('script', 'turn_on', (call) => targetEntities(core, 'script', call.data).forEach((s) => run(s.entity_id, call.context)));
  core.services.register('script', 'toggle', (call) => targetEntities(core, 'script', call.data).forEach((s) => run(s.entity_id, call.context)));
  core.services.register('script', 'turn_off', () => {
    // Runs are synchronous here, so there is never a run to stop.
  });
  for (const script of scripts) {
    core.services.register('script', script.entityId.slice('script.'.length), (call) => run(script.entityId, call.context));
  }
}

export function installAutomations(core: SimulatedCore, automations: AutomationDef[]): void {
  const byId = new Map(automations.map((a) => [a.entityId, a]));
  for (const automation of automations) {
    core.states.set(
      automation.entityId,
      'on',
      { id: core.random.hex(13), last_triggered: null, mode: 'single', current: 0, friendly_name: automation.name },
      core.context(),
    );
  }

  const trigger = (automation: AutomationDef, parent: HaContext | null, source: string | undefined) => {
    const state = core.states.get(automation.entityId);
    if (!state) return;
    const context = core.context(null, parent?.id ?? null);
    const data: Record<string, unknown> = { name: automation.name, entity_id: automation.entityId };
    if (source !== undefined) data.source = source;
    core.bus.fire('automation_triggered', data, { context, timeFiredMicros: core.clock.now() });
    core.states.set(automation.entityId, state.state, { ...state.attributes, last_triggered: isoMicros(core.clock.now()) }, context);
    runSequence(core, automation.sequence, context);
  };

  core.bus.listen('state_changed', (event) => {
    const fresh = event.data.new_state as { state?: string } | null;
    for (const automation of automations) {
      if (automation.trigger.entityId !== event.data.entity_id || fresh?.state !== automation.trigger.to) continue;
      if (core.states.get(automation.entityId)?.state !== 'on') continue;
      // Core runs automations as tasks: the triggering state_changed reaches every listener first.
      queueMicrotask(() => trigger(automation, event.context, `state of ${automation.trigger.entityId}`));
    }
  });

  // A manual trigger has no trigger description, so automation_triggered carries no `source`.
  core.services.register('automation', 'trigger', (call) =>
    targetEntities(core, 'automation', call.data).forEach((s) => {
      const automation = byId.get(s.entity_id);
      if (automation) trigger(automation, call.context, undefined);
    }),
  );
  const setEnabled = (entityId: string, on: boolean, context: HaContext) => {
    const s = core.states.get(entityId);
    if (s) core.states.set(entityId, on ? 'on' : 'off', s.attributes, context);
  };
  core.services.register('automation', 'turn_on', (call) => targetEntities(core, 'automation', call.data).forEach((s) => setEnabled(s.entity_id, true, call.context)));
  core.services.register('automation', 'turn_off', (call) => targetEntities(core, 'automation', call.data).forEach((s) => setEnabled(s.entity_id, false, call.context)));
  core.services.register('automation', 'toggle', (call) =>
    targetEntities(core, 'automation', call.data).forEach((s) => setEnabled(s.entity_id, s.state !== 'on', call.context)),
  );
}
