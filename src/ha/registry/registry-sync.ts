/**
 * Keeps a copy of core's registries for target resolution (docs/home-assistant.md §17–§18).
 *
 * The five `*_registry_updated` subscriptions are durable (re-created on every socket,
 * docs/ARCHITECTURE.md §5.8) and sent before the lists are read, so no change falls between. The
 * lists are read at every (re)connect, since events are not replayed, and again after registry
 * events, debounced: the events carry ids, not the new values, and come in bursts (an area
 * deletion updates every device and entity in it; integrations rewrite entries at start-up).
 * Listeners hear about every completed read; a read that fails (the socket dropped) is retried at
 * the next connect. A list core refuses (a core older than the floor and label registries answers
 * `unknown_command`) reads as empty, so the other selectors still work.
 */
import type { EntitySelectors, TargetSource } from '../../base/types.ts';
import type { Logger } from '../../base/log.ts';
import { systemTimers, type TimerHandle, type Timers } from '../../base/timers.ts';
import type { HaConnection, HaSubscription } from '../connection.ts';
import { HaCommandError } from '../errors.ts';
import { subscribeEvents } from '../messages.ts';
import {
  EMPTY_LISTS,
  LIST_COMMANDS,
  REGISTRY_EVENTS,
  type RegistryLists,
  listCommand,
  parseAreaList,
  parseDeviceList,
  parseEntityList,
  parseFloorList,
  parseLabelList,
} from './registry-lists.ts';
import { TargetResolver } from './target-resolver.ts';

export type RegistryConnection = Pick<HaConnection, 'subscribe' | 'command' | 'onConnected' | 'connected'>;

export interface RegistrySyncOptions {
  connection: RegistryConnection;
  logger: Logger;
  /** Milliseconds to wait after a registry event for more before reading the lists again. Default 250. */
  debounceMs?: number;
  /** The debounce timer. Default: Node's timers, unref'd. */
  timers?: Timers;
}

export class RegistrySync implements TargetSource {
  readonly #connection: RegistryConnection;
  readonly #log: Logger;
  readonly #debounceMs: number;
  readonly #timers: Timers;
  readonly #listeners = new Set<() => void>();
  readonly #subscriptions: HaSubscription[] = [];
  #unlisten: (() => void) | undefined;
  #timer: TimerHandle | undefined;
  #generation = 0;
  #lists: RegistryLists = EMPTY_LISTS;
  #resolver = new TargetResolver(EMPTY_LISTS);
  #reads = 0;

  constructor(options: RegistrySyncOptions) {
    this.#connection = options.connection;
    this.#log = options.logger.child({ component: 'ha-registries' });
    this.#debounceMs = options.debounceMs ?? 250;
    this.#timers = options.timers ?? systemTimers();
  }

  async start(): Promise<void> {
    if (this.#unlisten) return;
    for (const type of REGISTRY_EVENTS) {
      this.#subscriptions.push(this.#connection.subscribe(subscribeEvents(type), { onEvent: () => this.#schedule() }));
    }
    this.#unlisten = this.#connection.onConnected(() => void this.#read());
    if (this.#connection.connected) void this.#read();
  }

  async stop(): Promise<void> {
    this.#unlisten?.();
    this.#unlisten = undefined;
    this.#generation++;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.all(this.#subscriptions.splice(0).map((s) => s.unsubscribe()));
  }

  /** The last complete read (empty until the first). */
  get lists(): RegistryLists {
    return this.#lists;
  }

  /** Completed reads so far (tests wait for the next one). */
  get reads(): number {
    return this.#reads;
  }

  resolve(selectors: EntitySelectors): ReadonlySet<string> {
    return this.#resolver.resolve(selectors);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #schedule(): void {
    if (this.#timer !== undefined) return; // the pending read will see this change too
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      void this.#read();
    }, this.#debounceMs);
  }

  async #read(): Promise<void> {
    const generation = ++this.#generation;
    const command = (type: string) =>
      this.#connection.command(listCommand(type)).catch((err: unknown) => {
        if (!(err instanceof HaCommandError)) throw err;
        this.#log.warn({ command: type, code: err.code }, 'Home Assistant refused a registry list; reading it as empty');
        return [];
      });
    let results: unknown[];
    try {
      results = await Promise.all([
        command(LIST_COMMANDS.entities),
        command(LIST_COMMANDS.devices),
        command(LIST_COMMANDS.areas),
        command(LIST_COMMANDS.floors),
        command(LIST_COMMANDS.labels),
      ]);
    } catch (err) {
      this.#log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'reading the registries failed; retrying at the next connect or registry change');
      return;
    }
    // A newer read started meanwhile (a later event or a reconnect): its answer wins.
    if (generation !== this.#generation) return;
    const [entities, devices, areas, floors, labels] = results;
    this.#lists = {
      entities: parseEntityList(entities),
      devices: parseDeviceList(devices),
      areas: parseAreaList(areas),
      floors: parseFloorList(floors),
      labels: parseLabelList(labels),
    };
    this.#resolver = new TargetResolver(this.#lists);
    this.#reads++;
    this.#log.debug({ entities: this.#lists.entities.length, devices: this.#lists.devices.length, areas: this.#lists.areas.length }, 'registries read');
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (err) {
        this.#log.error({ err }, 'registry listener failed');
      }
    }
  }
}
