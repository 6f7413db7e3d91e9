/** `/subscribe_events`: headers, filters end to end, parameters, permissions, initial state, replay. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, type Harness, RecordingEventSource, USER_TOKEN, openStream, request, startHarness, stateEvent, typedEvent, RawSocketClient } from './subscribe-harness.ts';
import { haState } from '../hub/fakes.ts';
import { until } from '../until.ts';

let h: Harness;
before(async () => {
  h = await startHarness({
    capacity: 5,
    limits: { retryMs: 300 },
    states: [haState('light.living_room', 'on'), haState('light.kitchen', 'off'), haState('switch.fan', 'on'), haState('sensor.t', '20')],
  });
});
after(async () => {
  await h.stop();
  const secrets = h.logs.filter((line) => line.includes(ADMIN_TOKEN) || line.includes(USER_TOKEN));
  assert.deepEqual(secrets, [], 'tokens never reach the logs');
});

const url = (query: string) => `${h.lan}/subscribe_events?${query}`;

describe('the stream', () => {
  test('answers with SSE headers, no Content-Length, and a first frame with retry, id and the connection payload', async () => {
    const s = await openStream(url(`token=${ADMIN_TOKEN}`), { headers: { Accept: 'text/event-stream' } });
    try {
      assert.equal(s.status, 200);
      assert.equal(s.headers['content-type'], 'text/event-stream');
      assert.equal(s.headers['cache-control'], 'no-cache, no-transform');
      assert.equal(s.headers['x-accel-buffering'], 'no');
      assert.equal(s.headers.connection, 'keep-alive');
      assert.equal(s.headers['content-length'], undefined);
      assert.equal(s.headers['transfer-encoding'], 'chunked');
      assert.ok(s.headers['x-ratelimit-limit'], 'request rate-limit headers');
      await s.waitFor(() => s.frames.length >= 1, 'connection frame');
      const first = s.frames[0]!;
      assert.equal(first.retry, 300);
      assert.equal(first.id, h.transport.head());
      assert.equal(first.json.type, 'connection');
      assert.equal(first.json.status, 'connected');
      assert.equal(first.json.authenticated, true);
      assert.match(String(first.json.id), /^[0-9a-f-]{36}$/);
      assert.ok(!Number.isNaN(Date.parse(String(first.json.timestamp))));
      assert.equal(h.hub.get(String(first.json.id))?.userId, 'admin-id');
    } finally {
      s.close();
    }
  });

  test('the seed example over EventSource: that light and every switch, automations only when named', async () => {
    const es = new RecordingEventSource(
      url(`token=${ADMIN_TOKEN}&entity_id=light.living_room&domain=switch&events=state_changed,automation_triggered`),
    );
    const withAutomation = new RecordingEventSource(
      url(`token=${ADMIN_TOKEN}&entity_id=light.living_room&domain=switch,automation&events=state_changed,automation_triggered`),
    );
    try {
      await es.waitFor((e) => e.ofType('connection').length === 1, 'connect');
      await withAutomation.waitFor((e) => e.ofType('connection').length === 1, 'connect');
      const published = [
        h.publish(stateEvent('light.living_room', 'on')),
        h.publish(stateEvent('light.kitchen', 'on')),
        h.publish(stateEvent('switch.fan', 'off')),
        h.publish(typedEvent('automation_triggered', ['automation.morning'], undefined, { automation_id: 'automation.morning' })),
        h.publish(typedEvent('service_called', ['switch.fan'], ['switch'])),
        h.publish(stateEvent('switch.heater', 'on')),
      ];
      // Both pass this one: once it is in, anything that should not have passed would be in too.
      const last = h.publish(stateEvent('light.living_room', 'off'));
      await es.waitFor((e) => e.messages.at(-1)?.id === last.id, 'the last event');
      await withAutomation.waitFor((e) => e.messages.at(-1)?.id === last.id, 'the last event');
      const ids = (x: RecordingEventSource) => x.messages.filter((m) => m.json.type !== 'connection').map((m) => m.id);
      assert.deepEqual(ids(es), [published[0]!.id, published[2]!.id, published[5]!.id, last.id]);
      assert.deepEqual(ids(withAutomation), [published[0]!.id, published[2]!.id, published[3]!.id, published[5]!.id, last.id]);
      const first = es.messages[1]!.json;
      assert.deepEqual(Object.keys(first).sort(), ['data', 'timestamp', 'type']);
      assert.equal((first.data as { entity_id: string }).entity_id, 'light.living_room');
    } finally {
      es.close();
      withAutomation.close();
    }
  });

  test('POST with a JSON body (arrays), the token in the body; and with a Bearer header', async () => {
    const body = JSON.stringify({ token: ADMIN_TOKEN, events: ['state_changed'], entity_id: ['sensor.post'] });
    const a = await openStream(`${h.lan}/subscribe_events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    const b = await openStream(`${h.lan}/subscribe_events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ domain: 'sensor', events: 'state_changed' }),
    });
    try {
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      await a.waitFor(() => a.frames.length === 1, 'connection');
      await b.waitFor(() => b.frames.length === 1, 'connection');
      h.publish(stateEvent('sensor.other', '1'));
      const hit = h.publish(stateEvent('sensor.post', '2'));
      await a.waitFor(() => a.events.length === 1, 'event');
      await b.waitFor(() => b.events.length === 2, 'events');
      assert.equal(a.events[0]!.id, hit.id);
    } finally {
      a.close();
      b.close();
    }
  });

  test('type=state is events=state_changed', async () => {
    const s = await openStream(url(`token=${ADMIN_TOKEN}&type=state&entity_id=light.alias`));
    try {
      await s.waitFor(() => s.frames.length === 1, 'connection');
      h.publish(typedEvent('service_called', ['light.alias']));
      const hit = h.publish(stateEvent('light.alias', 'on')); // published last: the other would be in before it
      await s.waitFor(() => s.events.at(-1)?.id === hit.id, 'state event');
      assert.deepEqual(
        s.events.map((f) => f.id),
        [hit.id],
      );
    } finally {
      s.close();
    }
  });
});

describe('other clients', () => {
  test('HEAD answers the stream headers without a stream', async () => {
    const opened = h.observer.opened.length;
    const res = await request(url(`token=${ADMIN_TOKEN}`), { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/event-stream');
    // The handler answers HEAD before it would open a stream, so the answer's end settles it.
    assert.equal(h.hub.list().length, 0);
    assert.equal(h.observer.opened.length, opened);
  });

  test('an HTTP/1.0 client gets bare frames (no chunked coding) and the end of the stream closes the connection', async () => {
    const client = new RawSocketClient(h.lan, `GET /subscribe_events?token=${ADMIN_TOKEN}&entity_id=light.old HTTP/1.0\r\n\r\n`);
    const { socket } = client;
    try {
      await until(() => client.text.includes('"type":"connection"'), 'connection frame');
      assert.match(client.text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.doesNotMatch(client.text, /Transfer-Encoding: chunked/i);
      const hit = h.publish(stateEvent('light.old', 'on'));
      await until(() => client.text.includes(`id: ${hit.id}\n`), 'event');
      const body = client.text.slice(client.text.indexOf('\r\n\r\n') + 4);
      assert.match(body, /^retry: 300\nid: \d+\ndata: \{"type":"connection"/, 'no chunk-size lines');
      h.hub.close(h.hub.list()[0]!.id, 'admin_closed');
      await until(() => client.closed, 'connection closed by the server');
      assert.match(client.text, /"error":"connection_closed"/);
    } finally {
      socket.destroy();
    }
  });

  test('the stream connection carries only the stream: later requests on it are ignored; the client FIN ends it', async () => {
    const client = new RawSocketClient(h.lan, `GET /subscribe_events?token=${ADMIN_TOKEN}&entity_id=light.fin HTTP/1.1\r\nHost: x\r\n\r\n`);
    const { socket } = client;
    try {
      await until(() => client.text.includes('"type":"connection"'), 'connection frame');
      socket.write(`GET /subscribe_events?token=${ADMIN_TOKEN} HTTP/1.1\r\nHost: x\r\n\r\n`);
      // A full request through the same listener and the same authentication after it: had the
      // bytes above been dispatched, that stream would be registered by the time this answers.
      assert.equal((await request(url(`token=${ADMIN_TOKEN}`), { method: 'HEAD' })).status, 200);
      const hit = h.publish(stateEvent('light.fin', 'on'));
      await until(() => client.text.includes(`id: ${hit.id}\n`), 'event');
      assert.equal(client.text.match(/HTTP\/1\.1 /g)?.length, 1, 'one response on the connection');
      assert.equal(h.hub.list().length, 1, 'the second request opened no stream');
      socket.end();
      await until(() => client.closed && h.hub.list().length === 0, 'stream closed after the client FIN');
      assert.equal(h.observer.reasons().at(-1), 'client_closed');
    } finally {
      socket.destroy();
    }
  });
});

describe('parameters and permissions', () => {
  const bad: [string, RegExp][] = [
    ['foo=1', /unknown parameter foo/],
    ['events=State_Changed', /events: "State_Changed" is not a valid event type/],
    ['entity_id=light', /entity_id: "light" is not a valid entity id/],
    ['entity_id=light.a;drop', /entity_id/],
    ['domain=li-ght', /domain/],
    ['type=events', /type/],
    ['initial_state=maybe', /initial_state/],
    ['batch=soon', /batch: must be a whole number of milliseconds/],
    ['batch=10001', /batch: must be 0 to 10000 milliseconds/],
    ['batch=-5', /batch: must be a whole number/],
  ];
  for (const [query, message] of bad) {
    test(`400 envelope for ${query}`, async () => {
      const res = await request(url(`token=${ADMIN_TOKEN}&${query}`));
      assert.equal(res.status, 400);
      assert.equal(res.json.success, false);
      assert.equal(res.json.error_code, 'invalid_parameter');
      assert.match(String(res.json.message), message);
    });
  }

  test('bad requests leave other streams unaffected', async () => {
    const s = await openStream(url(`token=${ADMIN_TOKEN}&entity_id=light.steady`));
    try {
      await s.waitFor(() => s.frames.length === 1, 'connection');
      for (const [query] of bad) assert.equal((await request(url(`token=${ADMIN_TOKEN}&${query}`))).status, 400);
      assert.equal((await request(`${h.lan}/subscribe_events`, { method: 'POST', body: '{not json' })).status, 400);
      const hit = h.publish(stateEvent('light.steady', 'on'));
      await s.waitFor(() => s.events.length === 1, 'event after bad requests');
      assert.equal(s.events[0]!.id, hit.id);
      assert.equal(s.ended, false);
    } finally {
      s.close();
    }
  });

  test('401 without a token and with an unknown one; the token never appears in the answer', async () => {
    const missing = await request(url('events=state_changed'));
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error_code, 'missing_token');
    const wrong = await request(url('token=not-a-valid-token-xyz'));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error_code, 'invalid_token');
    assert.ok(!JSON.stringify(wrong.json).includes('not-a-valid-token-xyz'));
  });

  test('a non-admin asking for an admin-only type gets 403', async () => {
    for (const events of ['service_called', 'state_changed,automation_triggered', 'call_service']) {
      const res = await request(url(`token=${USER_TOKEN}&events=${events}`));
      assert.equal(res.status, 403, events);
      assert.equal(res.json.error_code, 'forbidden_event_type');
    }
  });

  test('a non-admin without an events filter gets only the allowed types', async () => {
    const s = await openStream(url(`token=${USER_TOKEN}`));
    try {
      await s.waitFor(() => s.frames.length === 1, 'connection');
      h.publish(typedEvent('service_called', ['light.x']));
      h.publish(typedEvent('automation_triggered', ['automation.y']));
      const state = h.publish(stateEvent('light.x', 'on'));
      const themes = h.publish(typedEvent('themes_updated')); // published last: the denied ones would be in before it
      await s.waitFor(() => s.events.at(-1)?.id === themes.id, 'allowed events');
      assert.deepEqual(
        s.events.map((f) => f.id),
        [state.id, themes.id],
      );
    } finally {
      s.close();
    }
  });
});

describe('initial state and replay', () => {
  test('initial_state=true sends the matching current states after connection, the last one with the head id', async () => {
    const s = await openStream(url(`token=${ADMIN_TOKEN}&initial_state=true&domain=light`));
    try {
      await s.waitFor(() => s.frames.length === 3, 'connection + 2 states');
      const [connection, ...states] = s.frames;
      assert.equal(connection!.json.type, 'connection');
      assert.equal(connection!.id, undefined, 'no id before the snapshot is complete');
      assert.deepEqual(
        states.map((f) => (f.json.data as { entity_id: string }).entity_id),
        ['light.living_room', 'light.kitchen'],
      );
      assert.ok(states.every((f) => f.json.type === 'state_changed' && (f.json.data as { old_state: unknown }).old_state === null));
      assert.equal(states[0]!.id, undefined);
      assert.equal(states[1]!.id, h.transport.head());
      const live = h.publish(stateEvent('light.kitchen', 'on'));
      await s.waitFor(() => s.frames.length === 4, 'live event');
      assert.equal(s.frames[3]!.id, live.id);
    } finally {
      s.close();
    }
  });

  test('Last-Event-ID replays what was missed, then continues live; the header wins over last_event_id', async () => {
    const entity = 'sensor.replay';
    const before = h.publish(stateEvent(entity, '0'));
    const missed = [h.publish(stateEvent(entity, '1')), h.publish(stateEvent('sensor.unrelated', 'x')), h.publish(stateEvent(entity, '2'))];
    const s = await openStream(url(`token=${ADMIN_TOKEN}&entity_id=${entity}&last_event_id=1`), {
      headers: { 'Last-Event-ID': before.id },
    });
    try {
      await s.waitFor(() => s.events.length === 2, 'replayed');
      assert.equal(s.frames[0]!.id, before.id, 'the connection frame keeps the client position');
      assert.deepEqual(
        s.events.map((f) => f.id),
        [missed[0]!.id, missed[2]!.id],
      );
      const live = h.publish(stateEvent(entity, '3'));
      await s.waitFor(() => s.events.length === 3, 'live');
      assert.equal(s.events[2]!.id, live.id);
      assert.ok(!s.frames.some((f) => f.json.type === 'error'));
    } finally {
      s.close();
    }
  });

  test('an id older than the ring: replay_gap first, then the current states (initial_state), then live', async () => {
    const old = h.publish(stateEvent('switch.fan', 'a'));
    for (let i = 0; i < 6; i++) h.publish(stateEvent('sensor.filler', String(i)));
    const s = await openStream(url(`token=${ADMIN_TOKEN}&domain=switch&initial_state=1`), {
      headers: { 'Last-Event-ID': old.id },
    });
    try {
      await s.waitFor(() => s.frames.length === 3, 'connection, gap, state');
      const [connection, gap, state] = s.frames;
      assert.equal(connection!.json.type, 'connection');
      assert.equal(gap!.json.type, 'error');
      assert.equal(gap!.json.error, 'replay_gap');
      assert.equal(gap!.id, undefined);
      assert.equal((state!.json.data as { entity_id: string }).entity_id, 'switch.fan');
      assert.equal(state!.id, h.transport.head());
      const live = h.publish(stateEvent('switch.fan', 'b'));
      await s.waitFor(() => s.frames.length === 4, 'live');
      assert.equal(s.frames[3]!.id, live.id);
    } finally {
      s.close();
    }
  });

  test('EventSource resumes with Last-Event-ID after the server ends the stream, missing nothing', async () => {
    const entity = 'light.resume';
    const es = new RecordingEventSource(url(`token=${ADMIN_TOKEN}&entity_id=${entity}`));
    try {
      await es.waitFor((e) => e.ofType('connection').length === 1, 'connect');
      const first = h.publish(stateEvent(entity, '1'));
      await es.waitFor((e) => e.ofType('state_changed').length === 1, 'first');
      const id = String(es.messages[0]!.json.id);
      assert.equal(h.hub.close(id, 'admin_closed'), true);
      const whileAway = [h.publish(stateEvent(entity, '2')), h.publish(stateEvent(entity, '3'))];
      await es.waitFor((e) => e.ofType('connection').length === 2, 'reconnect', 6000);
      const after = h.publish(stateEvent(entity, '4'));
      await es.waitFor((e) => e.ofType('state_changed').length === 4, 'all four');
      assert.deepEqual(
        es.ofType('state_changed').map((m) => m.id),
        [first.id, ...whileAway.map((e) => e.id), after.id],
      );
      assert.equal(es.ofType('error')[0]?.json.error, 'connection_closed');
    } finally {
      es.close();
    }
    await until(() => h.hub.list().length === 0, 'streams closed');
  });
});
