import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidFrameError,
  connectionPayload,
  encodeFrame,
  errorPayload,
  eventPayload,
  frameText,
  initialStatePayload,
  pingPayload,
} from '../../src/hub/frame.ts';
import { sampleEvent } from '../transport/suite.ts';

describe('frameText', () => {
  test('a data-only frame with an id ends with a blank line', () => {
    assert.equal(frameText({ id: '7', data: '{"a":1}' }), 'id: 7\ndata: {"a":1}\n\n');
  });

  test('retry comes first when given; no id line when the id is null or undefined', () => {
    assert.equal(frameText({ retry: 3000, id: '1', data: 'x' }), 'retry: 3000\nid: 1\ndata: x\n\n');
    assert.equal(frameText({ id: null, data: 'x' }), 'data: x\n\n');
    assert.equal(frameText({ data: 'x' }), 'data: x\n\n');
  });

  test('never emits an event: field, so EventSource.onmessage receives every frame', () => {
    assert.ok(!frameText({ id: '1', retry: 1, data: 'x' }).includes('event:'));
  });

  test('ids with CR, LF or NUL are refused instead of corrupting the stream', () => {
    for (const id of ['a\nb', 'a\rb', 'a\r\nretry: 1', 'a\0b']) {
      assert.throws(() => frameText({ id, data: 'x' }), InvalidFrameError, JSON.stringify(id));
    }
  });

  test('an empty id is allowed (it resets the browser’s last event id)', () => {
    assert.equal(frameText({ id: '', data: 'x' }), 'id: \ndata: x\n\n');
  });

  test('line breaks in data become separate data lines', () => {
    assert.equal(frameText({ data: 'a\nb\r\nc\rd' }), 'data: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  test('invalid retry values are refused', () => {
    assert.throws(() => frameText({ retry: -1, data: 'x' }), InvalidFrameError);
    assert.throws(() => frameText({ retry: 1.5, data: 'x' }), InvalidFrameError);
  });
});

describe('encodeFrame', () => {
  test('is the UTF-8 bytes of frameText', () => {
    const frame = encodeFrame({ id: '1', data: '"é"' }); // é is two bytes
    assert.equal(frame.toString('utf8'), 'id: 1\ndata: "é"\n\n');
    assert.equal(frame.length, Buffer.byteLength(frameText({ id: '1', data: '"é"' })));
  });
});

describe('payloads', () => {
  test('an event payload is {type, data, timestamp} on one line', () => {
    const event = { ...sampleEvent(1), data: { text: 'line1\nline2' } };
    const json = eventPayload(event);
    assert.ok(!json.includes('\n'), 'JSON escapes newlines');
    assert.deepEqual(JSON.parse(json), { type: 'state_changed', data: { text: 'line1\nline2' }, timestamp: event.timestamp });
  });

  test('connection, ping and error payloads follow the contract', () => {
    const ts = '2024-02-10T12:00:00.000Z';
    assert.deepEqual(JSON.parse(connectionPayload('c1', ts)), {
      type: 'connection',
      status: 'connected',
      id: 'c1',
      authenticated: true,
      timestamp: ts,
    });
    assert.deepEqual(JSON.parse(pingPayload(ts)), { type: 'ping', timestamp: ts });
    assert.deepEqual(JSON.parse(errorPayload('slow_consumer', 'm', ts)), {
      type: 'error',
      error: 'slow_consumer',
      message: 'm',
      timestamp: ts,
    });
  });

  test('an initial state reads as a state_changed event with old_state null', () => {
    const ts = '2024-02-10T12:00:00.000Z';
    const payload = JSON.parse(
      initialStatePayload(
        {
          entity_id: 'light.a',
          state: 'on',
          attributes: { brightness: 3 },
          last_changed: ts,
          last_updated: ts,
          context: { id: 'x', parent_id: null, user_id: null },
        },
        ts,
      ),
    );
    assert.deepEqual(payload, {
      type: 'state_changed',
      data: { entity_id: 'light.a', state: 'on', attributes: { brightness: 3 }, last_changed: ts, last_updated: ts, old_state: null },
      timestamp: ts,
    });
  });
});
