/**
 * `trusted_proxies` (client-address.ts): the forwarded-for walk on its own, then through a real
 * listener: the request budget, the failed-token ban (the real UserDirectory and its failure
 * limiter) and the connections list key on the forwarded client only when the peer is listed;
 * a spoofed header from an unlisted peer changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TrustedProxies, forwardedHops } from '../../src/http/client-address.ts';
import { AddressSet, parseAddressRange } from '../../src/base/address-range.ts';
import { UserDirectory } from '../../src/ha/users.ts';
import { captureLogger } from '../log-capture.ts';
import { ADMIN, ADMIN_TOKEN, openStream, request, perTest } from './subscribe-harness.ts';
import { until } from '../until.ts';

describe('addresses and ranges', () => {
  test('single addresses, IPv4 and IPv6 ranges; IPv4-mapped addresses count as IPv4', () => {
    assert.deepEqual(parseAddressRange('10.0.0.5'), { address: '10.0.0.5', prefix: 32, family: 'ipv4' });
    assert.deepEqual(parseAddressRange('fd00::/8'), { address: 'fd00::', prefix: 8, family: 'ipv6' });
    for (const bad of ['proxy.lan', '10.0.0.0/33', '10.0.0.0/', '/8', '10.0.0.0/8/8', '::/129', '']) assert.equal(parseAddressRange(bad), undefined, bad);
    const set = new AddressSet(['192.168.1.0/24', '::1', '172.30.32.2']);
    assert.ok(set.has('192.168.1.77') && set.has('::ffff:192.168.1.77') && set.has('::1') && set.has('172.30.32.2'));
    assert.ok(!set.has('192.168.2.1') && !set.has('172.30.32.3') && !set.has('unknown'));
  });
});

describe('the forwarded-for walk', () => {
  const proxies = new TrustedProxies(['10.0.0.1', '10.0.1.0/24']);

  test('an unlisted peer is the client, whatever it sends', () => {
    assert.equal(proxies.clientOf('203.0.113.9', { 'x-forwarded-for': '198.51.100.1' }), '203.0.113.9');
  });

  test('from a listed peer, the right-most address that is not a trusted proxy', () => {
    assert.equal(proxies.clientOf('10.0.0.1', { 'x-forwarded-for': '198.51.100.1' }), '198.51.100.1');
    // The client prepended a lie; the chain of trusted proxies ends at the real client.
    assert.equal(proxies.clientOf('10.0.0.1', { 'x-forwarded-for': '1.1.1.1, 198.51.100.1, 10.0.1.7' }), '198.51.100.1');
    // Only proxies: the left-most is as far as the trust goes.
    assert.equal(proxies.clientOf('10.0.0.1', { 'x-forwarded-for': '10.0.1.7' }), '10.0.1.7');
    // No header: the proxy itself.
    assert.equal(proxies.clientOf('10.0.0.1', {}), '10.0.0.1');
    // Garbage where the client should be: the proxy that wrote it.
    assert.equal(proxies.clientOf('10.0.0.1', { 'x-forwarded-for': '198.51.100.1, unknown' }), '10.0.0.1');
  });

  test('Forwarded (RFC 7239) with quotes, ports and IPv6, preferred to X-Forwarded-For', () => {
    const headers = { forwarded: 'for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"', 'x-forwarded-for': '198.51.100.1' };
    assert.deepEqual(forwardedHops(headers), ['192.0.2.60', '2001:db8:cafe::17']);
    assert.equal(proxies.clientOf('10.0.0.1', headers), '2001:db8:cafe::17');
    assert.deepEqual(forwardedHops({ 'x-forwarded-for': '192.0.2.1:8080, [::1]:80, 2001:db8::2' }), ['192.0.2.1', '::1', '2001:db8::2']);
    assert.equal(proxies.clientOf('10.0.0.1', { forwarded: 'for=_hidden' }), '10.0.0.1');
  });
});

const { harness, onCleanup } = perTest();

const AUTH = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const from = (address: string) => ({ 'X-Forwarded-For': address });

/** The real token directory: 2 failed checks per client, then 429 `too_many_auth_failures`. */
function directory(): UserDirectory {
  return new UserDirectory({
    coreUrl: () => 'http://core.invalid:8123',
    logger: captureLogger('error').logger,
    maxFailures: 2,
    check: async (_url, token) => (token === ADMIN_TOKEN ? ADMIN : null),
  });
}

const BAD = { Authorization: 'Bearer wrong-token-0123456789' };

describe('behind a listed proxy (the test client on 127.0.0.1 is the proxy)', () => {
  test('each forwarded client has its own request budget', async () => {
    const h = await harness({ trustedProxies: ['127.0.0.1'], requestsPerMinute: 2 });
    const url = `${h.lan}/subscribe_events?events=`;
    for (let i = 0; i < 2; i++) assert.notEqual((await request(url, { headers: from('198.51.100.1') })).status, 429);
    assert.equal((await request(url, { headers: from('198.51.100.1') })).status, 429);
    assert.notEqual((await request(url, { headers: from('198.51.100.2') })).status, 429, 'another client is not affected');
  });

  test('the failed-token ban is per forwarded client', async () => {
    const h = await harness({ trustedProxies: ['127.0.0.1'], resolver: directory() });
    const url = `${h.lan}/subscribe_events`;
    for (let i = 0; i < 2; i++) assert.equal((await request(url, { headers: { ...BAD, ...from('198.51.100.1') } })).status, 401);
    const banned = await request(url, { headers: { ...BAD, ...from('198.51.100.1') } });
    assert.equal(banned.status, 429);
    assert.equal(banned.json.error_code, 'too_many_auth_failures');
    // Another client behind the same proxy still gets its token checked, and a good one works.
    assert.equal((await request(url, { headers: { ...BAD, ...from('198.51.100.2') } })).status, 401);
    const good = await openStream(url, { headers: { ...AUTH, ...from('198.51.100.2') } });
    onCleanup(() => good.close());
    assert.equal(good.status, 200);
  });

  test('the connections list shows the forwarded client', async () => {
    const h = await harness({ trustedProxies: ['127.0.0.0/8'] });
    const stream = await openStream(`${h.lan}/subscribe_events`, { headers: { ...AUTH, Forwarded: 'for="[2001:db8::7]:50000"' } });
    onCleanup(() => stream.close());
    await until(() => h.hub.list().length === 1, 'the stream is listed');
    assert.equal(h.hub.list()[0]!.ipAddress, '2001:db8::7');
  });
});

describe('from an unlisted peer', () => {
  test('a spoofed X-Forwarded-For buys no budget, dodges no ban and is not shown', async () => {
    const h = await harness({ trustedProxies: ['10.0.0.1'], requestsPerMinute: 2, resolver: directory() });
    const url = `${h.lan}/subscribe_events`;
    // Two failed tokens "from" two clients: both count against 127.0.0.1, which is now banned.
    assert.equal((await request(url, { headers: { ...BAD, ...from('198.51.100.1') } })).status, 401);
    assert.equal((await request(url, { headers: { ...BAD, ...from('198.51.100.2') } })).status, 401);
    const third = await request(`${url}?events=`, { headers: { ...AUTH, ...from('198.51.100.3') } });
    assert.equal(third.status, 429, 'the budget of 2 is shared by every spoofed address');
    assert.equal(third.json.error_code, 'rate_limit_exceeded');
  });

  test('the connections list shows the peer, not the header', async () => {
    const h = await harness({ trustedProxies: ['10.0.0.1'] });
    const stream = await openStream(`${h.lan}/subscribe_events`, { headers: { ...AUTH, ...from('198.51.100.1') } });
    onCleanup(() => stream.close());
    await until(() => h.hub.list().length === 1, 'the stream is listed');
    assert.equal(h.hub.list()[0]!.ipAddress, '127.0.0.1');
  });

  test('with no trusted proxies at all the headers are ignored', async () => {
    const h = await harness({ resolver: directory() });
    const url = `${h.lan}/subscribe_events`;
    assert.equal((await request(url, { headers: { ...BAD, ...from('198.51.100.1') } })).status, 401);
    assert.equal((await request(url, { headers: { ...BAD, ...from('198.51.100.2') } })).status, 401);
    const banned = await request(url, { headers: { ...BAD, ...from('198.51.100.3') } });
    assert.equal(banned.json.error_code, 'too_many_auth_failures', 'one ban for the one real client');
  });
});
