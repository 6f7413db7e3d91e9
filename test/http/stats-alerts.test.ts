import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, startStatsServer, type StatsServer } from './stats-harness.ts';

let s: StatsServer;
before(async () => {
  s = await startStatsServer();
});
after(() => s.stop());

test('thresholds: GET shows options and overrides; PUT validates with 400 and persists', async () => {
  const initial = await s.call('GET', '/api/sse/alerts/thresholds', ADMIN_TOKEN);
  assert.equal(initial.status, 200);
  assert.deepEqual(Object.keys(initial.data).sort(), ['defaults', 'overrides', 'persisted', 'thresholds']);
  assert.equal((initial.data.thresholds as { connections: number }).connections, 90);
  assert.equal(initial.data.persisted, true);

  for (const bad of [{ connections: -1 }, { cpu_percent: 'high' }, { unknown_key: 1 }, { sustain_seconds: 1.5 }, [1, 2]]) {
    const res = await s.call('PUT', '/api/sse/alerts/thresholds', ADMIN_TOKEN, bad);
    assert.equal(res.status, 400, JSON.stringify(bad));
    assert.equal(res.json?.success, false);
    assert.match(String(res.json?.error_code), /invalid_(thresholds|json)/);
  }
  const detail = await s.call('PUT', '/api/sse/alerts/thresholds', ADMIN_TOKEN, { connections: -1 });
  assert.match(String(detail.json?.message), /^connections: /);

  const ok = await s.call('PUT', '/api/sse/alerts/thresholds', ADMIN_TOKEN, { connections: 2, sustain_seconds: 0 });
  assert.equal(ok.status, 200);
  assert.equal((ok.data.thresholds as { connections: number }).connections, 2);
  assert.deepEqual(ok.data.overrides, { connections: 2, sustain_seconds: 0 });
  assert.equal(ok.data.persisted, true);
  const stored = s.alertRecords.use((a) => a.loadOverrides());
  assert.deepEqual(stored, { connections: 2, sustain_seconds: 0 });
});

test('active alerts and history endpoints follow the engine', async () => {
  s.inputs.current = { ...s.inputs.current, connections: 5 };
  s.clock.advance(5000); // the engine's own timer evaluates
  await s.alerts.evaluate();
  const active = await s.call('GET', '/api/sse/alerts', ADMIN_TOKEN);
  assert.equal(active.status, 200);
  assert.equal(active.data.total, 1);
  const alert = (active.data.alerts as Record<string, unknown>[])[0];
  assert.deepEqual(Object.keys(alert ?? {}).sort(), ['alert', 'fired_at', 'id', 'message', 'resolved_at', 'severity', 'state', 'threshold', 'title', 'value']);
  assert.equal(alert?.alert, 'connections');
  assert.equal(alert?.state, 'firing');
  assert.equal(s.rig.registry.adminEvents[0]?.type, 'alert', 'admin SSE streams were told');

  s.inputs.current = { ...s.inputs.current, connections: 0 };
  s.clock.advance(5000);
  await s.alerts.evaluate();
  const none = await s.call('GET', '/api/sse/alerts', ADMIN_TOKEN);
  assert.equal(none.data.total, 0);
  const history = await s.call('GET', '/api/sse/alerts/history?limit=10', ADMIN_TOKEN);
  assert.equal(history.status, 200);
  assert.deepEqual((history.data.alerts as { state: string }[]).map((a) => a.state), ['resolved']);
  const badLimit = await s.call('GET', '/api/sse/alerts/history?limit=0', ADMIN_TOKEN);
  assert.equal(badLimit.status, 400);
  assert.equal(badLimit.json?.error_code, 'invalid_limit');
});
