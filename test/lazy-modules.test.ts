/**
 * Process RSS before any stream matters on a Raspberry Pi: ioredis (Redis mode only) and
 * prom-client (only when `/metrics` is scraped) are loaded on first use, not with the server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { SseHubServer } from '../src/app/server.ts';
import { PrometheusExporter } from '../src/stats/prometheus.ts';
import { redisClient } from '../src/transport/redis-client.ts';

const loaded = (pkg: string) => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes(`/node_modules/${pkg}/`));

test('the server module graph loads neither ioredis nor prom-client; first use does', async () => {
  assert.equal(typeof SseHubServer, 'function');
  assert.equal(loaded('ioredis'), false, 'ioredis loaded with the server');
  assert.equal(loaded('prom-client'), false, 'prom-client loaded with the server');

  const exporter = new PrometheusExporter({ collector: { totals: {} } as never, system: {} as never });
  assert.equal(loaded('prom-client'), false, 'constructing the exporter loads nothing');
  assert.match(exporter.contentType, /^text\/plain/);
  assert.equal(loaded('prom-client'), true);

  const client = redisClient('redis://127.0.0.1:1');
  assert.equal(loaded('ioredis'), true);
  client.disconnect();
});
