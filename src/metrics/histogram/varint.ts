/**
 * Unsigned LEB128 varints (7 bits a byte, lowest group first, high bit = more follows), the
 * number format of encoded latency histograms. Values stay below 2^56, exact in a double.
 */

/** Appends `value` (a non-negative integer) to `out`. */
export function pushVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** Why {@link VarintReader.next} found no value. */
export type VarintFault = 'truncated' | 'too long';

/** Reads varints one after another from `pos`. Allocates nothing per value (it runs per bucket of every rollup read). */
export class VarintReader {
  /** The reason the last {@link next} returned -1. */
  fault: VarintFault | undefined;

  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** The next value, or -1 (with {@link fault} set) when the bytes end inside it or it passes 56 bits. */
  next(): number {
    const bytes = this.bytes;
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= bytes.length) return this.#fail('truncated');
      const byte = bytes[this.pos++] ?? 0;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
      if (scale > 2 ** 56) return this.#fail('too long');
    }
  }

  #fail(fault: VarintFault): number {
    this.fault = fault;
    return -1;
  }
}
