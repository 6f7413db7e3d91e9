/**
 * The entity states the client has seen, in memory and (where a `Storage` is available, i.e.
 * `localStorage` in browsers) persisted with the resume point, so a reloaded page paints the last
 * known states at once and resumes the stream where it left off. Persisted entries expire
 * (`ttlMs`) and are capped in size (`maxBytes`, the least recently updated states go first).
 * Writes are debounced; `flush()` writes at once.
 */
import type { EntityState, StorageLike, Timers } from './types.ts';

export interface CacheOptions {
  /** Where to persist; default `globalThis.localStorage` when present, else memory only. `null`: memory only. */
  storage?: StorageLike | null;
  /** Storage key; default derived from the URL and the filter. */
  key?: string;
  /** Milliseconds a persisted cache stays valid. Default 24 h. */
  ttlMs?: number;
  /** Largest persisted size in characters of JSON. Default 500000. */
  maxBytes?: number;
  /** Milliseconds writes are debounced. Default 250. */
  saveDelayMs?: number;
}

interface Persisted {
  v: 1;
  savedAt: number;
  lastEventId?: string;
  states: EntityState[];
}

export const CACHE_DEFAULTS = { ttlMs: 24 * 60 * 60 * 1000, maxBytes: 500_000, saveDelayMs: 250 } as const;

/** `localStorage`, if this platform has one and lets us use it (sandboxed frames throw). */
export function defaultStorage(): StorageLike | null {
  try {
    const storage = (globalThis as { localStorage?: StorageLike }).localStorage;
    return storage && typeof storage.getItem === 'function' ? storage : null;
  } catch {
    return null;
  }
}

export class StateCache {
  readonly #states = new Map<string, EntityState>();
  readonly #storage: StorageLike | null;
  readonly #key: string;
  readonly #ttlMs: number;
  readonly #maxBytes: number;
  readonly #saveDelayMs: number;
  #timer: unknown;
  #lastEventId: string | undefined;

  constructor(
    options: CacheOptions & { key: string },
    private readonly timers: Timers,
    private readonly now: () => number,
  ) {
    this.#storage = options.storage === undefined ? defaultStorage() : options.storage;
    this.#key = options.key;
    this.#ttlMs = options.ttlMs ?? CACHE_DEFAULTS.ttlMs;
    this.#maxBytes = options.maxBytes ?? CACHE_DEFAULTS.maxBytes;
    this.#saveDelayMs = options.saveDelayMs ?? CACHE_DEFAULTS.saveDelayMs;
  }

  /** Reads the persisted cache, if any and not expired; returns whether states were restored. */
  load(): boolean {
    const raw = this.#read();
    if (!raw) return false;
    let parsed: Persisted;
    try {
      parsed = JSON.parse(raw) as Persisted;
    } catch {
      this.#remove();
      return false;
    }
    if (parsed?.v !== 1 || !Array.isArray(parsed.states) || this.now() - parsed.savedAt > this.#ttlMs || parsed.savedAt > this.now() + 60_000) {
      this.#remove();
      return false;
    }
    for (const state of parsed.states) if (state && typeof state.entity_id === 'string') this.#states.set(state.entity_id, state);
    this.#lastEventId = typeof parsed.lastEventId === 'string' ? parsed.lastEventId : undefined;
    return true;
  }

  get lastEventId(): string | undefined {
    return this.#lastEventId;
  }

  set lastEventId(id: string | undefined) {
    this.#lastEventId = id;
    this.#schedule();
  }

  /** A copy of every known state, by entity id. */
  snapshot(): Record<string, EntityState> {
    return Object.fromEntries(this.#states);
  }

  get(entityId: string): EntityState | undefined {
    return this.#states.get(entityId);
  }

  get size(): number {
    return this.#states.size;
  }

  /** Applies one change; a `null` state removes the entity. */
  apply(state: EntityState): void {
    if (state.state === null) this.#states.delete(state.entity_id);
    else this.#states.set(state.entity_id, state);
    this.#schedule();
  }

  /** Replaces everything with a complete snapshot from the server (reconciliation). */
  replace(states: Iterable<EntityState>): void {
    this.#states.clear();
    for (const state of states) if (state.state !== null) this.#states.set(state.entity_id, state);
    this.#schedule();
  }

  /** Writes now (and cancels a pending write). */
  flush(): void {
    if (this.#timer !== undefined) this.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#storage) return;
    let states = [...this.#states.values()];
    let text = this.#encode(states);
    if (text.length > this.#maxBytes) {
      states.sort((a, b) => (a.last_updated < b.last_updated ? 1 : a.last_updated > b.last_updated ? -1 : 0));
      while (states.length > 0 && text.length > this.#maxBytes) {
        states = states.slice(0, Math.floor(states.length * 0.9));
        text = this.#encode(states);
      }
    }
    try {
      this.#storage.setItem(this.#key, text);
    } catch {
      this.#remove(); // over the origin's quota: better nothing than a stale copy
    }
  }

  /** Forgets the persisted copy and the memory. */
  clear(): void {
    this.#states.clear();
    this.#lastEventId = undefined;
    if (this.#timer !== undefined) this.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#remove();
  }

  #encode(states: EntityState[]): string {
    const persisted: Persisted = { v: 1, savedAt: this.now(), states, ...(this.#lastEventId !== undefined ? { lastEventId: this.#lastEventId } : {}) };
    return JSON.stringify(persisted);
  }

  #schedule(): void {
    if (!this.#storage || this.#timer !== undefined) return;
    this.#timer = this.timers.setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#saveDelayMs);
  }

  #read(): string | null {
    try {
      return this.#storage?.getItem(this.#key) ?? null;
    } catch {
      return null;
    }
  }

  #remove(): void {
    try {
      this.#storage?.removeItem(this.#key);
    } catch {
      // nothing to do: storage is unavailable
    }
  }
}
