import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MINUTE_MS } from '../../src/metrics/clock.ts';
import { hubEvent, snapshot } from '../metrics/helpers.ts';
import { ADMIN_TOKEN, startStatsServer, type StatsServer } from './stats-harness.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the Prometheus text format 0.0.4: throws on any line it does not understand. */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sampleLine = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (-?(?:[0-9.e+-]+|NaN|\\+Inf|-Inf))$`);
  const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"$/;
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^# HELP (${NAME}) .+$`).exec(line))) {
      helps.add(m[1] ?? '');
      continue;
    }
    if ((m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line))) {
      assert.ok(!types.has(m[1] ?? ''), `one TYPE per family: ${line}`);
      types.set(m[1] ?? '', m[2] ?? '');
      continue;
    }
    m = sampleLine.exec(line);
    assert.ok(m, `not a valid sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const part of (m[2] ?? '').split(',').filter(Boolean)) {
      const l = label.exec(part);
      assert.ok(l, `bad label ${part}`);
      labels[l[1] ?? ''] = l[2] ?? '';
    }
    const name = m[1] ?? '';
    const family = [...types.keys()].find((f) => name === f || (types.get(f) === 'histogram' && [`${f}_bucket`, `${f}_sum`, `${f}_count`].includes(name)));
    assert.ok(family, `sample ${name} has a TYPE line before it`);
    assert.ok(helps.has(family), `family ${family} has HELP`);
    samples.push({ name, labels, value: Number(m[3]) });
  }
  return { types, samples };
}

let s: StatsServer;
before(async () => {
  s = await startStatsServer();
  const { rig } = s;
  rig.collector.connectionOpened(snapshot({ id: 'a', httpVersion: '1.1' }));
  rig.collector.connectionOpened(snapshot({ id: 'b', httpVersion: '2.0', listener: 'ingress' }));
  for (let i = 0; i < 30; i++) rig.deliver(i < 27 ? 3 : 4000, 2, 100);
  rig.collector.eventReceived(hubEvent(0, 0, 'call_service'));
  rig.collector.deliveryFailed('slow_consumer', 4);
  rig.collector.rateLimited('request');
  rig.registry.backlog = 777;
  s.clock.advance(MINUTE_MS);
});
after(() => s.stop());

test('GET /metrics is valid Prometheus text fed from the collector', async () => {
  const res = await s.call('GET', '/metrics', ADMIN_TOKEN);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const { types, samples } = parsePrometheus(res.text);
  const value = (name: string, labels: Record<string, string> = {}) =>
    samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;

  assert.equal(types.get('sse_hub_events_sent_total'), 'counter');
  assert.equal(types.get('sse_hub_delivery_latency_seconds'), 'histogram');
  assert.equal(value('sse_hub_connections'), 2);
  assert.equal(value('sse_hub_connections_by_http_version', { http_version: '2.0' }), 1);
  assert.equal(value('sse_hub_connections_by_listener', { listener: 'ingress' }), 1);
  assert.equal(value('sse_hub_events_sent_total'), 60);
  assert.equal(value('sse_hub_sent_bytes_total'), 6000);
  assert.equal(value('sse_hub_events_received_total', { type: 'state_changed' }), 30);
  assert.equal(value('sse_hub_events_received_total', { type: 'call_service' }), 1);
  assert.equal(value('sse_hub_delivery_failures_total', { reason: 'slow_consumer' }), 4);
  assert.equal(value('sse_hub_rate_limited_total', { kind: 'request' }), 1);
  assert.equal(value('sse_hub_event_backlog_bytes'), 777);
  assert.equal(value('sse_hub_history_available'), 1);

  // histogram: cumulative, monotonic, +Inf = count, sum in seconds
  const buckets = samples.filter((x) => x.name === 'sse_hub_delivery_latency_seconds_bucket');
  const counts = buckets.map((b) => b.value);
  assert.deepEqual([...counts].sort((a, b) => a - b), counts, 'cumulative buckets never decrease');
  assert.equal(value('sse_hub_delivery_latency_seconds_bucket', { le: '0.0025' }), 0);
  assert.equal(value('sse_hub_delivery_latency_seconds_bucket', { le: '0.005' }), 54);
  assert.equal(value('sse_hub_delivery_latency_seconds_bucket', { le: '2.5' }), 54);
  assert.equal(value('sse_hub_delivery_latency_seconds_bucket', { le: '5' }), 60);
  assert.equal(value('sse_hub_delivery_latency_seconds_bucket', { le: '+Inf' }), 60);
  assert.equal(value('sse_hub_delivery_latency_seconds_count'), 60);
  assert.ok(Math.abs((value('sse_hub_delivery_latency_seconds_sum') ?? 0) - (54 * 0.003 + 6 * 4)) < 1e-9);
});

test('/metrics accepts the bearer token of an admin only, never a token in the URL', async () => {
  assert.equal((await s.call('GET', '/metrics')).status, 401);
  assert.equal((await s.call('GET', '/metrics', ADMIN_TOKEN)).status, 200);
  const query = await fetch(`${s.base}/metrics?token=${ADMIN_TOKEN}`);
  assert.equal(query.status, 400);
  const body = (await query.json()) as { error_code: string; message: string };
  assert.equal(body.error_code, 'token_in_url');
  assert.ok(!body.message.includes(ADMIN_TOKEN), 'the token is not echoed');
});

test('two exporters in one process do not collide (own registries)', async () => {
  const other = await startStatsServer();
  try {
    const a = await s.call('GET', '/metrics', ADMIN_TOKEN);
    const b = await other.call('GET', '/metrics', ADMIN_TOKEN);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.match(b.text, /^sse_hub_events_sent_total 0$/m);
    assert.match(a.text, /^sse_hub_events_sent_total 60$/m);
  } finally {
    await other.stop();
  }
});
