/**
 * The whole product as `main.ts` builds it (SseHubServer from a loaded config) in demo mode:
 * the embedded simulator is the only Home Assistant, events travel core → HaConnection → bridge →
 * transport → hub → a real EventSource client, and the statistics, alerts, WebSocket API and
 * Prometheus endpoints see the same traffic. Everything on 127.0.0.1, ports 0, a temp data dir.
 * The simulator's own activity is off (DEMO_EVENT_RATE=0) so each test decides what happens.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { loadConfig } from '../src/config/config.ts';
import type { HaSimulator } from '../src/simulator/index.ts';
import { SseHubServer } from '../src/app/server.ts';
import { RecordingEventSource } from './http/subscribe-harness.ts';
import { captureLogger } from './log-capture.ts';
import { childEnv } from './process-harness.ts';
import { until } from './until.ts';

const dir = mkdtempSync(join(tmpdir(), 'sse-hub-e2e-'));
const log = captureLogger('debug');
const logs = log.chunks;
let server: SseHubServer;
let sim: HaSimulator;
let base: string;
const open: RecordingEventSource[] = [];

function stream(query: string): RecordingEventSource {
  const es = new RecordingEventSource(`${base}/subscribe_events?${query}`);
  open.push(es);
  return es;
}

async function api(method: string, path: string, token: string | undefined, body?: unknown) {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const json = text.startsWith('{') ? (JSON.parse(text) as { success: boolean; data: Record<string, unknown>; error_code?: string }) : undefined;
  return { status: res.status, headers: res.headers, text, json };
}

const entityOf = (m: { json: Record<string, unknown> }) => (m.json.data as { entity_id?: string } | undefined)?.entity_id;
const stateOf = (m: { json: Record<string, unknown> }) => (m.json.data as { state?: string } | undefined)?.state;

before(async () => {
  const config = loadConfig(
    childEnv(dir, {
      DEMO_EVENT_RATE: '0',
      PING_INTERVAL: '5',
      // More than the default 5 new streams per minute: every test here opens streams as the same user.
      STREAM_LIMIT: '100',
      // A short linger so a test can watch core's subscription outlive its last stream, then go.
      REPLAY_LINGER: '1',
    }),
  );
  server = new SseHubServer(config, log.logger, {
    ha: { connection: { backoffBaseMs: 50, backoffCapMs: 200 } },
    shutdownGraceMs: 500,
    statsPushIntervalMs: 100,
  });
  await server.start();
  sim = server.simulator!;
  base = `http://127.0.0.1:${server.lan.port}`;
  await until(() => server.bridge.state === 'connected', 'upstream connected', 5000);
});

afterEach(() => {
  for (const es of open.splice(0)) es.close();
});

after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('demo mode end to end', () => {
  it('announces the simulated home in the log without its tokens (the banner shows them), and serves /healthz', async () => {
    const line = logs.find((l) => l.includes('DEMO MODE'));
    assert.ok(line, 'a DEMO MODE line');
    assert.ok(!logs.some((l) => l.includes(sim.adminToken) || l.includes(sim.userToken)), 'no log line carries a demo token');
    const health = await api('GET', '/healthz', undefined);
    assert.deepEqual(health.json?.data, { status: 'ok', upstream: 'connected' });
  });

  it('delivers the seed example: the named light and every switch, not other lights, not automations', async () => {
    const es = stream(
      `token=${sim.adminToken}&entity_id=light.living_room_ceiling&domain=switch&events=state_changed,automation_triggered`,
    );
    await es.waitFor((s) => s.ofType('connection').length === 1, 'connection');
    sim.callService('light', 'turn_on', { entity_id: 'light.kitchen' });
    sim.callService('light', 'turn_on', { entity_id: 'light.living_room_ceiling' });
    sim.callService('switch', 'toggle', { entity_id: 'switch.tv' });
    sim.fireEvent('automation_triggered', { name: 'Hallway', entity_id: 'automation.hallway_motion_lights', source: 'test' });
    sim.setState('sensor.outdoor_temperature', '3.5');
    sim.setState('switch.garden_pump', 'on');
    // A marker after everything else: core's events reach the stream in order, so once it is
    // there, anything the filter wrongly let through would have arrived before it.
    sim.setState('switch.garden_pump', 'off');
    await es.waitFor((s) => s.ofType('state_changed').some((m) => entityOf(m) === 'switch.garden_pump' && stateOf(m) === 'off'), 'the marker');
    assert.deepEqual(es.ofType('state_changed').map(entityOf), ['light.living_room_ceiling', 'switch.tv', 'switch.garden_pump', 'switch.garden_pump']);
    assert.equal(es.ofType('automation_triggered').length, 0);
    const ids = es.messages.map((m) => m.id).filter(Boolean).map(Number);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids increase');
  });

  it('lets a non-admin Home Assistant user stream state changes but not service calls', async () => {
    const denied = await api('GET', `/subscribe_events?events=call_service`, sim.userToken);
    assert.equal(denied.status, 403);
    assert.equal(denied.json?.success, false);
    const es = stream(`token=${sim.userToken}&entity_id=light.porch`);
    await es.waitFor((s) => s.ofType('connection').length === 1, 'connection');
    sim.callService('light', 'turn_on', { entity_id: 'light.porch' });
    await es.waitFor((s) => s.ofType('state_changed').some((m) => entityOf(m) === 'light.porch'), 'porch light');
    const bad = await api('GET', '/subscribe_events', 'not-a-home-assistant-token');
    assert.equal(bad.status, 401);
    assert.ok(!bad.text.includes('not-a-home-assistant-token'), 'the token is never echoed');
    const logText = logs.join('');
    assert.ok(logText.includes('/subscribe_events'), 'requests are logged (debug level)');
    assert.ok(!logText.includes(sim.userToken) && !logText.includes('not-a-home-assistant-token'), 'tokens are never logged');
  });

  it('subscribes core to a type only while someone wants it (and for the linger after)', async () => {
    const types = () => sim.activeSubscriptions().flatMap((c) => c.eventTypes);
    assert.ok(!types().includes('script_started'));
    const es = stream(`token=${sim.adminToken}&events=script_executed&entity_id=script.good_night`);
    await es.waitFor((s) => s.ofType('connection').length === 1, 'connection');
    await until(() => types().includes('script_started'), 'core subscription to script_started');
    sim.callService('script', 'turn_on', { entity_id: 'script.good_night' });
    await es.waitFor((s) => s.ofType('script_executed').length === 1, 'script_executed');
    assert.equal((es.ofType('script_executed')[0]!.json.data as { execution_data: { status: string } }).execution_data.status, 'started');
    es.close();
    await until(() => server.hub.list().length === 0, 'the stream is gone');
    assert.ok(types().includes('script_started'), 'still recorded for the linger after the last stream left');
    await until(() => !types().includes('script_started'), 'core unsubscribed after the linger', 5000);
  });

  it('tells streams when core goes away and sends resync events for what changed meanwhile', async () => {
    const es = stream(`token=${sim.adminToken}&entity_id=switch.coffee_maker`);
    await es.waitFor((s) => s.ofType('connection').length === 1, 'connection');
    const before = sim.core.states.get('switch.coffee_maker')!.state;
    sim.rejectUpgrades(502);
    sim.dropAllConnections();
    await es.waitFor((s) => s.ofType('error').some((m) => (m.json as { error?: string }).error === 'upstream_unavailable'), 'upstream_unavailable');
    sim.setState('switch.coffee_maker', before === 'on' ? 'off' : 'on');
    sim.rejectUpgrades(null);
    await es.waitFor((s) => s.ofType('state_changed').some((m) => (m.json.data as { resync?: boolean }).resync === true), 'a resync event', 5000);
    assert.equal(es.es.readyState, es.es.OPEN, 'the stream stayed open');
    assert.equal(es.opens, 1);
  });

  it('counts the traffic in the statistics, lists and closes connections, exports Prometheus text', async () => {
    const es = stream(`token=${sim.adminToken}&domain=light`);
    await es.waitFor((s) => s.ofType('connection').length === 1, 'connection');
    sim.callService('light', 'toggle', { entity_id: 'light.bedroom' });
    await es.waitFor((s) => s.ofType('state_changed').length >= 1, 'a light event');

    const stats = await api('GET', '/api/sse/stats', sim.adminToken);
    assert.equal(stats.status, 200);
    assert.equal(stats.json?.data.active_connections, 1);
    assert.ok(Number(stats.json?.data.total_events_sent) >= 1);
    const viaPost = await api('POST', '/get_sse_stats', undefined, { token: sim.adminToken });
    assert.equal(viaPost.json?.data.active_connections, 1);
    assert.equal((await api('GET', '/api/sse/stats', sim.userToken)).status, 403, 'admin only');
    assert.equal(stats.headers.get('X-RateLimit-Limit'), '1000', 'management requests count against the request budget');
    assert.equal((await api('GET', '/healthz', undefined)).headers.get('X-RateLimit-Limit'), null, 'health checks do not');
    assert.equal((await api('PATCH', '/api/sse/stats', sim.adminToken)).status, 405);

    const list = await api('GET', '/api/sse/connections', sim.adminToken);
    const id = es.ofType('connection')[0]!.json.id as string;
    assert.ok(JSON.stringify(list.json?.data).includes(id), 'the stream is listed');
    assert.equal((await api('DELETE', `/api/sse/connections/${id}`, sim.adminToken)).status, 200);
    await until(() => es.es.readyState !== es.es.OPEN || es.ofType('error').length > 0, 'the stream is closed');

    const metrics = await api('GET', '/api/sse/metrics?period=1h', sim.adminToken);
    assert.equal(metrics.status, 200);
    assert.equal((await api('GET', '/api/sse/metrics?period=2h', sim.adminToken)).status, 400);
    const prom = await api('GET', '/metrics', sim.adminToken);
    assert.equal(prom.status, 200);
    assert.match(prom.text, /^# HELP /m);
  });

  it('answers the WebSocket API with the demo token', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.lan.port}/ws`, { headers: { Authorization: `Bearer ${sim.adminToken}` } });
    const replies: { id?: number; success?: boolean; data?: { active_connections?: unknown } }[] = [];
    ws.on('message', (data) => replies.push(JSON.parse(data.toString())));
    await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ id: 7, type: 'get_sse_stats' }));
    await until(() => replies.some((r) => r.id === 7), 'a reply to id 7');
    const reply = replies.find((r) => r.id === 7)!;
    assert.equal(reply.success, true);
    assert.equal(typeof reply.data?.active_connections, 'number');
    ws.close();
  });

  it('raises an alert on admin streams and in Home Assistant when a threshold is crossed', { timeout: 20_000 }, async () => {
    const es = stream(`token=${sim.adminToken}&events=state_changed&entity_id=sensor.none`);
    await es.waitFor((s) => s.ofType('connection').length === 1, 'connection');
    const updated = await api('PUT', '/api/sse/alerts/thresholds', sim.adminToken, { connections: 1, sustain_seconds: 0 });
    assert.equal(updated.status, 200, updated.text);
    await es.waitFor((s) => s.ofType('alert').length >= 1, 'an alert event', 12_000);
    await sim.waitForRest((call) => call.path === '/api/services/persistent_notification/create', 5000);
    await sim.waitForRest((call) => call.path === '/api/events/sse_hub_alert', 5000);
    const active = await api('GET', '/api/sse/alerts', sim.adminToken);
    assert.ok(JSON.stringify(active.json?.data).includes('connections'));
    await api('PUT', '/api/sse/alerts/thresholds', sim.adminToken, { connections: 0 });
  });

  it('sends server_shutdown to open streams when the server stops', async () => {
    const es = stream(`token=${sim.adminToken}&domain=light`);
    await es.waitFor((s) => s.ofType('connection').length === 1, 'connection');
    await server.stop();
    await es.waitFor((s) => s.ofType('error').some((m) => (m.json as { error?: string }).error === 'server_shutdown'), 'server_shutdown');
    assert.ok(!logs.some((l) => l.includes('"level":50')), `no error logs:\n${logs.filter((l) => l.includes('"level":50')).join('')}`);
  });
});
