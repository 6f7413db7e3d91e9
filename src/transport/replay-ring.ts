/**
 * The memory transport's history: one encoded event (its JSON text) per entry with the time it was
 * published and what it costs, oldest first, in a circular buffer that doubles when full and halves
 * when mostly empty. Text rather than the event objects: a parsed event is a graph of objects and
 * strings several times the size of its JSON, and the hub's encoded frame of a held object stays
 * alive with it (bench/replay-memory.ts measures both; bench/RESULTS.md has the figures).
 */

/** V8 keeps text of code points up to U+00FF at one byte per character, anything else at two. */
const TWO_BYTE = /[\u0100-\uffff]/;

/**
 * What one entry costs besides its characters: the string's header (about 16 bytes), its slot in
 * the array (8), the time (8) and the cost itself (4), rounded up.
 */
export const ENTRY_OVERHEAD_BYTES = 40;

/** The bytes an entry holding `text` counts against the budget. */
export function entryCost(text: string): number {
  return text.length * (TWO_BYTE.test(text) ? 2 : 1) + ENTRY_OVERHEAD_BYTES;
}

const MIN_SLOTS = 64;

export class ReplayRing {
  #texts: (string | undefined)[] = new Array<string | undefined>(MIN_SLOTS);
  #times = new Float64Array(MIN_SLOTS);
  #costs = new Uint32Array(MIN_SLOTS);
  /** Slot of the oldest entry. */
  #start = 0;
  #length = 0;
  #bytes = 0;

  get length(): number {
    return this.#length;
  }

  /** The sum of the entries' costs. */
  get bytes(): number {
    return this.#bytes;
  }

  push(text: string, at: number): void {
    if (this.#length === this.#texts.length) this.#resize(this.#texts.length * 2);
    const slot = (this.#start + this.#length) % this.#texts.length;
    const cost = entryCost(text);
    this.#texts[slot] = text;
    this.#times[slot] = at;
    this.#costs[slot] = cost;
    this.#length++;
    this.#bytes += cost;
  }

  /** Drops the oldest entry. */
  shift(): void {
    if (this.#length === 0) return;
    this.#texts[this.#start] = undefined;
    this.#bytes -= this.#costs[this.#start]!;
    this.#start = (this.#start + 1) % this.#texts.length;
    this.#length--;
    if (this.#texts.length > MIN_SLOTS && this.#length < this.#texts.length / 4) this.#resize(this.#texts.length / 2);
  }

  /** The text of the `index`-th entry, 0 being the oldest. */
  text(index: number): string {
    return this.#texts[(this.#start + index) % this.#texts.length]!;
  }

  /** When the `index`-th entry was published. */
  time(index: number): number {
    return this.#times[(this.#start + index) % this.#texts.length]!;
  }

  #resize(slots: number): void {
    const texts = new Array<string | undefined>(slots);
    const times = new Float64Array(slots);
    const costs = new Uint32Array(slots);
    for (let i = 0; i < this.#length; i++) {
      const from = (this.#start + i) % this.#texts.length;
      texts[i] = this.#texts[from];
      times[i] = this.#times[from]!;
      costs[i] = this.#costs[from]!;
    }
    this.#texts = texts;
    this.#times = times;
    this.#costs = costs;
    this.#start = 0;
  }
}
