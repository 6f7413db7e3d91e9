/**
 * What a command handler of the simulated core gets (the session it runs on) and may throw: shared
 * by the core's own commands (`commands.ts`) and the registry commands (`registry-commands.ts`).
 */
import type { SimUser, SimulatedCore } from './core.ts';

/** What a handler may do with the connection it runs on. */
export interface CommandSession {
  readonly core: SimulatedCore;
  readonly user: SimUser;
  send(text: string): void;
  setCoalesce(enabled: boolean): void;
  /** Registers subscription `id`; `label` is the event type (or `subscribe_entities`) for the test counters. */
  addSubscription(id: number, label: string, stop: () => void): void;
  removeSubscription(id: number): boolean;
}

export type Command = Record<string, unknown> & { id: number; type: string };
export type CommandHandler = (session: CommandSession, msg: Command) => void;

/** Core's `Unauthorized`: sent as `unauthorized` / `Unauthorized`. */
export class UnauthorizedError extends Error {
  constructor() {
    super('Unauthorized');
    this.name = 'UnauthorizedError';
  }
}
