import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoDuration, isoTime } from '../../src/base/iso-time.ts';
import { InvalidPeriodError, parsePeriod, periodSpec, windowStart } from '../../src/metrics/period.ts';

test('periods: the four are accepted, none means 1h, anything else is an InvalidPeriodError', () => {
  for (const p of ['1h', '24h', '7d', '30d']) assert.equal(parsePeriod(p), p);
  assert.equal(parsePeriod(undefined), '1h');
  for (const bad of ['', '1d', '1H', '60m', ['1h'], 1, null, '30d ']) {
    assert.throws(() => parsePeriod(bad), InvalidPeriodError, JSON.stringify(bad));
  }
  assert.equal(periodSpec('24h').resolution, 'minute');
  assert.equal(periodSpec('7d').resolution, 'hour');
});

test('windows hold exactly their buckets, the current one last', () => {
  const now = Date.UTC(2024, 1, 5, 12, 34, 56);
  assert.equal(windowStart('1h', now), Date.UTC(2024, 1, 5, 11, 35));
  assert.equal(windowStart('24h', now), Date.UTC(2024, 1, 4, 12, 35));
  assert.equal(windowStart('7d', now), Date.UTC(2024, 0, 29, 13));
  assert.equal(windowStart('30d', now), Date.UTC(2024, 0, 6, 13));
});

test('uptime is an ISO 8601 duration in hours, minutes and seconds', () => {
  assert.equal(isoDuration(0), 'PT0S');
  assert.equal(isoDuration(999), 'PT0S');
  assert.equal(isoDuration(24 * 3600_000), 'PT24H');
  assert.equal(isoDuration(3723_000), 'PT1H2M3S');
  assert.equal(isoDuration(60_000), 'PT1M');
  assert.equal(isoDuration(50 * 3600_000 + 5_000), 'PT50H5S');
  assert.equal(isoTime(Date.UTC(2024, 1, 5, 12)), '2024-02-05T12:00:00.000Z');
});
