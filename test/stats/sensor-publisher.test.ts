/** The sensor publisher's cadence: only what changed, numbers at most every interval, binary sensors at once. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SensorPublisher } from '../../src/stats/sensor-publisher.ts';
import type { SensorState } from '../../src/stats/ha-sensors.ts';
import { captureLogger } from '../log-capture.ts';
import { FakeClock } from '../fake-clock.ts';

describe('SensorPublisher', () => {
  test('writes on change only; numbers wait for the interval, binary sensors do not; a failure is retried', async () => {
    const clock = new FakeClock(0);
    let connections = '0';
    let upstream = 'on';
    let failNext = false;
    const written: string[] = [];
    const publisher = new SensorPublisher({
      read: (): SensorState[] => [
        { entity_id: 'sensor.sse_hub_connections', state: connections, attributes: {} },
        { entity_id: 'binary_sensor.sse_hub_upstream', state: upstream, attributes: {} },
      ],
      write: async (sensor) => {
        if (failNext) {
          failNext = false;
          throw new Error('core said 502');
        }
        written.push(`${sensor.entity_id}=${sensor.state}`);
      },
      timers: clock,
      now: clock.now,
      logger: captureLogger('debug').logger,
      tickMs: 5000,
      intervalMs: 30_000,
    });
    await publisher.tick();
    assert.deepEqual(written.splice(0), ['sensor.sse_hub_connections=0', 'binary_sensor.sse_hub_upstream=on']);
    await publisher.tick();
    assert.deepEqual(written, [], 'nothing changed, nothing written');

    connections = '3';
    upstream = 'off';
    clock.advance(5000);
    await publisher.tick();
    assert.deepEqual(written.splice(0), ['binary_sensor.sse_hub_upstream=off'], 'the link at once, the number later');
    clock.advance(25_000);
    failNext = true;
    await publisher.tick();
    assert.deepEqual(written, [], 'the write failed');
    await publisher.tick();
    assert.deepEqual(written.splice(0), ['sensor.sse_hub_connections=3'], 'retried on the next tick');
  });
});
