import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsCollector } from '../../src/metrics/collector.ts';
import { FakeClock, hubEvent, snapshot } from './helpers.ts';

const T0 = Date.UTC(2024, 1, 5, 12, 0, 0);

test('connections: active, opened/closed, time-weighted average, breakdowns, lifetimes', () => {
  const clock = new FakeClock(T0);
  const c = new MetricsCollector({ now: clock.now });
  const a = snapshot({ id: 'a', userId: 'u1', ipAddress: '10.0.0.1', httpVersion: '1.1', connectedAt: T0 });
  const b = snapshot({ id: 'b', userId: 'u1', ipAddress: '10.0.0.2', httpVersion: '2.0', listener: 'ingress', connectedAt: T0 + 15_000 });
  c.connectionOpened(a);
  clock.advance(15_000);
  c.connectionOpened(b);
  assert.equal(c.active, 2);
  assert.deepEqual(c.live().byUser, { u1: 2 });
  assert.deepEqual(c.live().byHttpVersion, { '1.1': 1, '2.0': 1 });
  assert.deepEqual(c.live().byListener, { lan: 1, ingress: 1 });
  clock.advance(30_000);
  c.connectionClosed(a, 'client_closed');
  clock.advance(15_000);
  // 0-15 s: 1, 15-45 s: 2, 45-60 s: 1 → average 1.5
  const minute = c.takeMinute();
  assert.equal(minute.durationMs, 60_000);
  assert.equal(minute.traffic.connAvg, 1.5);
  assert.equal(minute.traffic.connMax, 2);
  assert.equal(minute.traffic.connCurrent, 1);
  assert.equal(minute.traffic.connOpened, 2);
  assert.equal(minute.traffic.connClosed, 1);
  assert.equal(minute.traffic.connDurationSumMs, 45_000);
  assert.deepEqual(minute.traffic.closeReasons, { client_closed: 1 });
  assert.deepEqual(c.live().byIp, { '10.0.0.2': 1 });
  // the next minute starts with the streams still open
  clock.advance(60_000);
  const next = c.takeMinute();
  assert.equal(next.traffic.connAvg, 1);
  assert.equal(next.traffic.connMax, 1);
  assert.equal(next.traffic.connOpened, 0);
  assert.equal(c.totals.connOpened, 2);
});

test('events, deliveries, bytes, failures, rate limits and latency samples', () => {
  const clock = new FakeClock(T0);
  const c = new MetricsCollector({ now: clock.now });
  const e = hubEvent(T0 - 40, T0 - 10);
  c.eventReceived(e);
  c.eventReceived(hubEvent(T0, T0, 'call_service'));
  c.delivered(e, 3, 200, T0);
  c.deliveryFailed('slow_consumer', 2);
  c.rateLimited('request');
  c.rateLimited('stream');
  const m = c.takeMinute().traffic;
  assert.equal(m.eventsIn, 2);
  assert.deepEqual(m.eventTypes, { state_changed: 1, call_service: 1 });
  assert.equal(m.deliveries, 3);
  assert.equal(m.bytesOut, 600);
  assert.equal(m.latency.count, 3, 'one delivered() call to 3 sockets records 3 samples');
  assert.equal(m.latency.quantile(0.5), 40);
  assert.equal(m.hubLatency.quantile(0.5), 10);
  assert.equal(m.deliveryFailures, 2);
  assert.equal(m.rateLimited, 2);
  assert.deepEqual(m.errors, { slow_consumer: 2, rate_limited_request: 1, rate_limited_stream: 1 });
  assert.equal(c.totals.deliveries, 3);
  assert.equal(c.totals.latency.count, 3);
  assert.equal(c.recent().latency.count, 3, 'the previous minute stays in the recent window');
  assert.equal(c.recent().failures, 2);
  const empty = c.takeMinute().traffic;
  assert.equal(empty.deliveries, 0);
  assert.equal(c.recent().latency.count, 0);
});

test('live rates use a sliding minute (elapsed time during the first minute)', () => {
  const clock = new FakeClock(T0);
  const c = new MetricsCollector({ now: clock.now });
  const e = hubEvent(T0);
  clock.advance(10_000);
  for (let i = 0; i < 20; i++) c.delivered(e, 1, 10, clock.now());
  assert.equal(c.live().deliveriesPerSecond, 2, '20 in the first 10 s');
  clock.advance(50_000);
  assert.equal(c.live().deliveriesPerSecond, 20 / 60);
  clock.advance(11_000);
  assert.equal(c.live().deliveriesPerSecond, 0, 'out of the window');
});

test('event types beyond the cap count as "other"', () => {
  const c = new MetricsCollector({ maxEventTypes: 2 });
  for (const type of ['a', 'b', 'c', 'd', 'a']) c.eventReceived(hubEvent(0, 0, type));
  assert.deepEqual(c.totals.eventTypes, { a: 2, b: 1, other: 2 });
});

test('backlog samples keep the highest of the minute', () => {
  const c = new MetricsCollector();
  c.observeBacklog(10);
  c.observeBacklog(500);
  c.observeBacklog(20);
  assert.equal(c.takeMinute().traffic.backlogMax, 500);
  assert.equal(c.takeMinute().traffic.backlogMax, 0);
});

test("the hub's own sensor writes coming back from core are not counted as events in; their deliveries are", () => {
  const clock = new FakeClock(T0);
  const c = new MetricsCollector({ now: clock.now });
  const own = { ...hubEvent(T0), entityIds: ['sensor.sse_hub_connections'], domains: ['sensor'] };
  const ownBinary = { ...hubEvent(T0), entityIds: ['binary_sensor.sse_hub_upstream'], domains: ['binary_sensor'] };
  const mixed = { ...hubEvent(T0, T0, 'service_called'), entityIds: ['sensor.sse_hub_memory', 'light.kitchen'], domains: ['sensor', 'light'] };
  const lookalike = { ...hubEvent(T0), entityIds: ['sensor.sse_hubble'], domains: ['sensor'] };
  for (const event of [own, ownBinary, mixed, lookalike]) c.eventReceived(event);
  c.delivered(own, 2, 100, T0);
  assert.equal(c.totals.eventsIn, 2, 'the event that also concerns a light, and sensor.sse_hubble, count');
  assert.deepEqual(c.totals.eventTypes, { service_called: 1, state_changed: 1 });
  assert.equal(c.totals.deliveries, 2, 'what streams received is still counted');
  clock.advance(60_000);
  assert.equal(c.takeMinute().traffic.eventsIn, 2, 'the history leaves them out too');
});
