/**
 * Shaping over real HTTP (DOCS.md "Shaping"): the parameters' validation, a `format=entities`
 * stream with `fields` to a real EventSource whose states converge, a resume with `Last-Event-ID`
 * that replays the diffs, and `format=entities` inside gzip-compressed `batch` frames.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { applyEntitiesMessage, type EntitiesMessage, isEntitiesMessage } from '../../src/web/client/compressed-states.ts';
import type { EntityState } from '../../src/web/client/types.ts';
import { FrameParser } from '../sse-frames.ts';
import { World, held } from '../hub/shape-world.ts';
import { ADMIN_TOKEN, type Harness, RecordingEventSource, openStream, request, startHarness } from './subscribe-harness.ts';
import { until } from '../until.ts';

const world = new World();
world.set('light.kitchen', 'off', { brightness: 0, friendly_name: 'Kitchen' });
world.set('sensor.kitchen_temperature', '21', { unit_of_measurement: '°C' });
world.set('light.hall', 'on', { brightness: 50 });

/** The harness's state source: kept equal to the world's states, as the bridge's cache follows core. */
const live = world.list();
let h: Harness;
before(async () => {
  h = await startHarness({ states: live });
});
function publish(event: ReturnType<World['set']>) {
  live.splice(0, live.length, ...world.list());
  return h.publish(event);
}
after(async () => {
  await h.stop();
});

const url = (query: string) => `${h.lan}/subscribe_events?token=${ADMIN_TOKEN}&${query}`;
const KITCHEN = 'entity_id=light.kitchen,sensor.kitchen_temperature';

function apply(messages: readonly unknown[]): Map<string, EntityState> {
  const states = new Map<string, EntityState>();
  for (const message of messages) if (isEntitiesMessage(message)) applyEntitiesMessage(states, message);
  return states;
}

describe('shaping parameters', () => {
  test('malformed fields, format, throttle are 400 invalid_parameter naming the problem', async () => {
    for (const query of ['fields=state,colour', 'fields=attributes.', 'format=xml', 'throttle=60001', 'throttle=soon']) {
      const res = await request(url(query));
      assert.equal(res.status, 400, query);
      assert.equal(res.json.error_code, 'invalid_parameter', query);
      assert.match(String(res.json.message), new RegExp(`^${query.split('=')[0]!}:`), query);
    }
  });
});

describe('format=entities over HTTP', () => {
  test('an EventSource gets a then c with only the fields asked for; its states converge', async () => {
    const es = new RecordingEventSource(url(`${KITCHEN}&format=entities&fields=state,attributes.brightness`));
    await es.waitFor((s) => s.messages.some((m) => 'a' in m.json), 'the snapshot');
    const snapshot = es.messages.find((m) => 'a' in m.json)!.json as unknown as EntitiesMessage;
    assert.deepEqual(snapshot.a, { 'light.kitchen': { s: 'off', a: { brightness: 0 } }, 'sensor.kitchen_temperature': { s: '21', a: {} } });
    publish(world.set('light.kitchen', 'on', { brightness: 120, friendly_name: 'Kitchen' }));
    publish(world.set('light.hall', 'off', { brightness: 0 }));
    const last = publish(world.set('sensor.kitchen_temperature', '21.5', { unit_of_measurement: '°C' }));
    await es.waitFor((s) => s.messages.at(-1)?.id === last.id, 'the last diff');
    const diffs = es.messages.filter((m) => 'c' in m.json).map((m) => m.json as unknown as EntitiesMessage);
    assert.deepEqual(diffs, [{ c: { 'light.kitchen': { '+': { s: 'on', a: { brightness: 120 } } } } }, { c: { 'sensor.kitchen_temperature': { '+': { s: '21.5' } } } }]);
    const states = apply(es.messages.map((m) => m.json));
    assert.deepEqual([...states.values()].map((s) => [s.entity_id, s.state]), [['light.kitchen', 'on'], ['sensor.kitchen_temperature', '21.5']]);
    es.close();
  });

  test('a resume with Last-Event-ID replays the diffs it missed, no snapshot and no gap', async () => {
    const first = await openStream(url(`${KITCHEN}&format=entities`));
    await first.waitFor((s) => s.frames.some((f) => 'a' in f.json), 'the snapshot');
    const from = publish(world.set('light.kitchen', 'off', { brightness: 0, friendly_name: 'Kitchen' }));
    await first.waitFor((s) => s.frames.at(-1)?.id === from.id, 'the diff');
    first.close();
    publish(world.set('light.kitchen', 'on', { brightness: 5, friendly_name: 'Kitchen' }));
    const last = publish(world.set('sensor.kitchen_temperature', '22', {}));
    const resumed = await openStream(url(`${KITCHEN}&format=entities`), { headers: { 'Last-Event-ID': from.id } });
    await resumed.waitFor((s) => s.frames.at(-1)?.id === last.id, 'the replay');
    const data = resumed.frames.map((f) => f.json as unknown);
    assert.equal(data.filter((m) => isEntitiesMessage(m) && m.a).length, 0, 'no snapshot');
    assert.equal(resumed.frames.filter((f) => f.json.type === 'error').length, 0, 'no replay_gap');
    const states = apply([...first.frames.map((f) => f.json), ...data]);
    assert.deepEqual(held(states), world.expected(['light.kitchen', 'sensor.kitchen_temperature']));
    resumed.close();
  });

  test('with batch and gzip, the messages travel inside compressed batch frames', async () => {
    const parser = new FrameParser();
    let encoding: string | undefined;
    const req = http.get(url(`${KITCHEN}&format=entities&batch=50`), { headers: { 'Accept-Encoding': 'gzip' }, agent: false }, (res) => {
      encoding = res.headers['content-encoding'];
      const inflate = zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
      inflate.setEncoding('utf8');
      inflate.on('data', (text: string) => parser.push(text));
      res.pipe(inflate);
    });
    req.on('error', () => {});
    await until(() => parser.frames.some((f) => 'a' in f.json), 'the snapshot');
    assert.equal(encoding, 'gzip');
    publish(world.set('light.kitchen', 'off', { brightness: 1, friendly_name: 'Kitchen' }));
    const last = publish(world.set('light.kitchen', 'on', { brightness: 2, friendly_name: 'Kitchen' }));
    await until(() => parser.frames.at(-1)?.id === last.id, 'the batch');
    const batch = parser.frames.at(-1)!.json as unknown as { type: string; messages: unknown[] };
    assert.equal(batch.type, 'batch');
    assert.equal(batch.messages.length, 2);
    const states = apply([...parser.frames.map((f) => f.json).filter(isEntitiesMessage), ...batch.messages]);
    assert.deepEqual(held(states), world.expected(['light.kitchen', 'sensor.kitchen_temperature']));
    req.destroy();
  });
});
