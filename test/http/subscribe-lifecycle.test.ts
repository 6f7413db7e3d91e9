/** `/subscribe_events` across the server's life: upstream loss, shutdown, the ingress listener, interest. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { ADMIN_TOKEN, RecordingEventSource, USER_TOKEN, openStream, request, stateEvent, typedEvent, perTest } from './subscribe-harness.ts';
import { until } from '../until.ts';

const { harness, track } = perTest();

describe('upstream', () => {
  test('core going away: one upstream_unavailable per stream, the stream stays open, events resume after', async () => {
    const h = await harness();
    const es = track(new RecordingEventSource(`${h.lan}/subscribe_events?token=${ADMIN_TOKEN}&domain=light`));
    await es.waitFor((e) => e.ofType('connection').length === 1, 'connect');
    h.upstream.set('disconnected');
    h.upstream.set('disconnected');
    await es.waitFor((e) => e.ofType('error').length === 1, 'notice');
    assert.equal(es.ofType('error')[0]!.json.error, 'upstream_unavailable');
    h.upstream.set('connected');
    const resync = h.publish({ ...stateEvent('light.a', 'on'), resync: true });
    await es.waitFor((e) => e.ofType('state_changed').length === 1, 'resync event');
    assert.equal(es.ofType('state_changed')[0]!.id, resync.id);
    assert.equal(es.ofType('error').length, 1, 'one notice: a second would have come before the resync event');
    assert.equal(es.es.readyState, EventSource.OPEN);
    assert.equal(es.opens, 1, 'never reconnected');
  });
});

describe('shutdown', () => {
  test('hub.stop() sends server_shutdown with a retry hint, then ends every stream', async () => {
    const h = await harness({ limits: { retryMs: 2000, retryJitterMs: 1000 } });
    const a = track(await openStream(`${h.lan}/subscribe_events?token=${ADMIN_TOKEN}`));
    const b = track(await openStream(`${h.lan}/subscribe_events?token=${USER_TOKEN}`));
    await a.waitFor(() => a.frames.length === 1, 'connect a');
    await b.waitFor(() => b.frames.length === 1, 'connect b');
    await h.hub.stop();
    for (const s of [a, b]) {
      await s.waitFor(() => s.ended, 'end');
      const last = s.frames.at(-1)!;
      assert.equal(last.json.type, 'error');
      assert.equal(last.json.error, 'server_shutdown');
      assert.ok(last.retry! >= 2000 && last.retry! < 3000, `retry ${last.retry}`);
    }
    assert.deepEqual(h.observer.reasons(), ['server_shutdown', 'server_shutdown']);
    const late = await request(`${h.lan}/subscribe_events?token=${ADMIN_TOKEN}`);
    assert.equal(late.status, 503);
    assert.equal(late.json.error_code, 'server_shutdown');
  });
});

describe('two listeners', () => {
  test('in add-on mode the ingress listener refuses anyone but the Supervisor, whatever X-Forwarded-For says', async () => {
    const h = await harness({ trustIngress: true });
    const res = await request(`${h.ingress}/subscribe_events`, {
      headers: { 'X-Forwarded-For': '172.30.32.2', 'X-Remote-User-Id': 'x', Accept: 'text/event-stream' },
    });
    assert.equal(res.status, 403);
    assert.equal(res.json.error_code, 'ingress_forbidden');
    const withToken = await request(`${h.ingress}/subscribe_events?token=${ADMIN_TOKEN}`);
    assert.equal(withToken.status, 403, 'a token does not open the ingress door either');
    const lan = track(await openStream(`${h.lan}/subscribe_events?token=${ADMIN_TOKEN}`));
    assert.equal(lan.status, 200, 'the LAN listener still takes tokens');
  });

  test('from the Supervisor address the X-Remote-User-* headers identify an admin', async () => {
    const h = await harness({ trustIngress: true, ingressAddress: '127.0.0.1' });
    const s = track(
      await openStream(`${h.ingress}/subscribe_events?events=service_called`, {
        headers: { 'X-Remote-User-Id': 'abc123', 'X-Remote-User-Name': 'jane', 'X-Remote-User-Display-Name': 'Jane Doe' },
      }),
    );
    assert.equal(s.status, 200);
    await s.waitFor(() => s.frames.length === 1, 'connect');
    const [conn] = h.hub.list();
    assert.equal(conn!.userId, 'abc123');
    assert.equal(conn!.userName, 'Jane Doe');
    assert.equal(conn!.listener, 'ingress');
    assert.equal(conn!.clientId, 'ingress:abc123');
    const call = h.publish(typedEvent('service_called', ['light.a'], ['light']));
    await s.waitFor(() => s.events.length === 1, 'admin-only event');
    assert.equal(s.events[0]!.id, call.id);
  });
});

describe('interest', () => {
  test('streams retain the types they need and release them when they go', async () => {
    const h = await harness({ limits: { interestLingerMs: 0 } });
    const a = track(await openStream(`${h.lan}/subscribe_events?token=${ADMIN_TOKEN}`));
    const b = track(await openStream(`${h.lan}/subscribe_events?token=${USER_TOKEN}&events=state_changed,themes_updated`));
    const c = track(await openStream(`${h.lan}/subscribe_events?token=${USER_TOKEN}&events=state_changed`));
    await until(() => h.hub.list().length === 3, 'three streams');
    assert.deepEqual(h.interest.held, ['*', 'state_changed', 'themes_updated']);
    assert.equal(h.interest.counts.get('state_changed'), 1, 'retained once for both streams');
    b.close();
    await until(() => !h.interest.held.includes('themes_updated'), 'b released');
    assert.deepEqual(h.interest.held, ['*', 'state_changed'], 'c still needs state_changed');
    a.close();
    c.close();
    await until(() => h.interest.held.length === 0, 'all released');
    assert.equal(h.interest.retains, h.interest.releases);
  });
});

describe('on a Node without the HTTP internal the socket takeover uses', () => {
  test('streams work end to end: events, a resume with Last-Event-ID, the client leaving', async () => {
    const h = await harness({ freeParser: null });
    const es = track(new RecordingEventSource(`${h.lan}/subscribe_events?token=${ADMIN_TOKEN}&domain=light`));
    await es.waitFor((e) => e.ofType('connection').length === 1, 'connect');
    const first = h.publish(stateEvent('light.a', 'on'));
    await es.waitFor((e) => e.ofType('state_changed').length === 1, 'event');
    assert.equal(es.ofType('state_changed')[0]!.id, first.id);
    es.close();
    await until(() => h.hub.list().length === 0, 'the stream released when the client left');
    assert.deepEqual(h.observer.reasons(), ['client_closed']);

    const missed = h.publish(stateEvent('light.b', 'off'));
    const resumed = track(await openStream(`${h.lan}/subscribe_events?token=${ADMIN_TOKEN}&domain=light`, { headers: { 'Last-Event-ID': first.id } }));
    await resumed.waitFor(() => resumed.events.length === 1, 'the missed event replayed');
    assert.equal(resumed.events[0]!.id, missed.id);
    assert.match(String(resumed.headers['transfer-encoding']), /chunked/);
  });
});
