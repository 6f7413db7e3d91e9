/** The histogram's varints: round trips at the edges, and malformed input reported, not thrown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VarintReader, pushVarint } from '../../src/metrics/histogram/varint.ts';

test('values round-trip, one after another, from 0 to just under 2^56', () => {
  const values = [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 31, 2 ** 53 - 1];
  const bytes: number[] = [];
  for (const v of values) pushVarint(bytes, v);
  assert.deepEqual(bytes.slice(0, 5), [0, 1, 127, 0x80, 0x01], '128 is two bytes, lowest group first');
  const reader = new VarintReader(Uint8Array.from(bytes), 0);
  const read: number[] = [];
  while (!reader.done) read.push(reader.next());
  assert.deepEqual(read, values);
  assert.equal(reader.fault, undefined);
});

test('bytes that end inside a value, or a value past 56 bits, give -1 and say why', () => {
  const truncated = new VarintReader(Uint8Array.from([0x05, 0x80]), 0);
  assert.equal(truncated.next(), 5);
  assert.equal(truncated.next(), -1);
  assert.equal(truncated.fault, 'truncated');

  const tooLong = new VarintReader(Uint8Array.from(Array.from({ length: 9 }, () => 0xff)), 0);
  assert.equal(tooLong.next(), -1);
  assert.equal(tooLong.fault, 'too long');
});
