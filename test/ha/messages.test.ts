/** Wire formats: builders and parsers of HA websocket messages, and the backoff schedule. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../src/ha/backoff.ts';
import * as m from '../../src/ha/messages.ts';
import { callService, fireEvent } from './helpers.ts';

test('builders produce core command shapes with the id first', () => {
  assert.equal(JSON.stringify(m.auth('t')), '{"type":"auth","access_token":"t"}');
  assert.equal(m.encodeCommand(1, m.supportedFeatures()), '{"id":1,"type":"supported_features","features":{"coalesce_messages":1}}');
  assert.equal(m.encodeCommand(2, m.subscribeEvents('state_changed')), '{"id":2,"type":"subscribe_events","event_type":"state_changed"}');
  assert.equal(m.encodeCommand(3, m.unsubscribeEvents(2)), '{"id":3,"type":"unsubscribe_events","subscription":2}');
  assert.equal(m.encodeCommand(4, callService('light', 'turn_on')), '{"id":4,"type":"call_service","domain":"light","service":"turn_on"}');
  assert.equal(m.encodeCommand(5, fireEvent('x', { a: 1 })), '{"id":5,"type":"fire_event","event_type":"x","event_data":{"a":1}}');
  assert.equal(m.encodeCommand(6, m.currentUser()), '{"id":6,"type":"auth/current_user"}');
});

test('parseFrame accepts bare objects and coalesced arrays, and counts what it drops', () => {
  assert.deepEqual(m.parseFrame('{"id":2,"type":"pong"}'), { messages: [{ type: 'pong', id: 2 }], dropped: 0 });
  const frame = m.parseFrame('[{"id":2,"type":"result","success":true,"result":null},{"type":"event","event":{"a":1},"id":3},{"nope":1},7]');
  assert.deepEqual(frame.messages, [
    { type: 'result', id: 2, success: true, result: null },
    { type: 'event', id: 3, event: { a: 1 } },
  ]);
  assert.equal(frame.dropped, 2);
  assert.deepEqual(m.parseFrame('not json'), { messages: [], dropped: 1 });
  assert.deepEqual(m.parseFrame('{"id":0,"type":"pong"}'), { messages: [], dropped: 1 }, 'ids are positive integers');
});

test('parseServerMessage: errors default their fields, auth messages keep only known keys', () => {
  assert.deepEqual(m.parseServerMessage({ id: 4, type: 'result', success: false }), {
    type: 'result',
    id: 4,
    success: false,
    error: { code: 'unknown_error', message: 'Unknown error' },
  });
  assert.deepEqual(m.parseServerMessage({ type: 'auth_invalid', message: 'Invalid access', x: 1 }), { type: 'auth_invalid', message: 'Invalid access' });
  assert.equal(m.parseServerMessage({ type: 'result', id: 1, success: 'yes' }), null);
});

test('parseCoreEvent and parseState reject malformed input', () => {
  assert.equal(m.parseCoreEvent({ event_type: 'x' }), null);
  assert.equal(m.parseCoreEvent({ event_type: 'x', time_fired: 'yesterday' }), null);
  const event = m.parseCoreEvent({ event_type: 'x', time_fired: '2025-08-14T18:42:37.391872+00:00', data: 'not an object' });
  assert.deepEqual(event?.data, {});
  assert.equal(m.parseState({ entity_id: 'nodomain', state: 'on', last_changed: 'a', last_updated: 'b' }), null);
  assert.deepEqual(m.parseStates([{ entity_id: 'a.b', state: 'on', last_changed: 'x', last_updated: 'y' }, null]).map((s) => s.entity_id), ['a.b']);
  assert.deepEqual(m.parseCurrentUser({ id: 'u1', name: 'N', is_admin: true }), { id: 'u1', name: 'N', isAdmin: true });
  assert.equal(m.parseCurrentUser({ name: 'no id' }), null);
});

test('backoff grows exponentially within [ceiling/2, ceiling] and is capped', () => {
  const options = { baseMs: 1000, capMs: 30_000 };
  assert.equal(backoffDelay(0, options, () => 0), 500);
  assert.equal(backoffDelay(0, options, () => 0.999999), 1000);
  assert.equal(backoffDelay(3, options, () => 0), 4000);
  assert.equal(backoffDelay(20, options, () => 0), 15_000);
  assert.equal(backoffDelay(1000, options, () => 0.999999), 30_000);
});
