/** UpstreamSince: when the upstream state was first seen as it is now. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UpstreamSince } from '../../src/stats/live-status.ts';

test('since stays at the start while the state holds, and moves to the moment a change is seen', () => {
  const since = new UpstreamSince(Date.parse('2026-01-01T00:00:00Z'));
  assert.deepEqual(since.observe(undefined, 5), { state: 'unknown', since: null });
  assert.deepEqual(since.observe('connected', Date.parse('2026-01-01T00:01:00Z')), { state: 'connected', since: '2026-01-01T00:00:00.000Z' });
  assert.deepEqual(since.observe('connected', Date.parse('2026-01-01T00:02:00Z')), { state: 'connected', since: '2026-01-01T00:00:00.000Z' });
  assert.deepEqual(since.observe('reconnecting', Date.parse('2026-01-01T00:03:00Z')), { state: 'reconnecting', since: '2026-01-01T00:03:00.000Z' });
  assert.deepEqual(since.observe('reconnecting', Date.parse('2026-01-01T00:04:00Z')), { state: 'reconnecting', since: '2026-01-01T00:03:00.000Z' });
  assert.deepEqual(since.observe('connected', Date.parse('2026-01-01T00:05:00Z')), { state: 'connected', since: '2026-01-01T00:05:00.000Z' });
});
