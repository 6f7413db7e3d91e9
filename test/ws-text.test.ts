/** wsMessageText: every form the `ws` package hands a message in reads as the same text; binary is refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wsMessageText } from '../src/base/ws-text.ts';

test('a Buffer, an ArrayBuffer and fragments give the same text; a binary message gives null', () => {
  const text = '{"type":"ping","é":1}';
  const bytes = Buffer.from(text, 'utf8');
  assert.equal(wsMessageText(bytes, false), text);
  assert.equal(wsMessageText(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), false), text);
  const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of "é"
  assert.equal(wsMessageText([bytes.subarray(0, cut), bytes.subarray(cut)], false), text);
  assert.equal(wsMessageText(bytes, true), null);
});
