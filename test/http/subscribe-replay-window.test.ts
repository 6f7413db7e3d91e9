/**
 * The replay window over HTTP with a real EventSource and the hub's clock injected: a client away
 * for less than `replay_window_minutes` resumes exactly; one whose next event has aged out of the
 * window gets `replay_gap` (DOCS.md, "Reconnecting and replay") and continues live, never a
 * partial replay.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, FakeClock, type Harness, RecordingEventSource, startHarness, stateEvent } from './subscribe-harness.ts';
import { until } from '../until.ts';

const MINUTE = 60_000;
const ENTITY = 'light.tablet';
const clock = new FakeClock(1_800_000_000_000);
let h: Harness;
before(async () => {
  h = await startHarness({ clock, history: { windowMs: 10 * MINUTE, minEvents: 0, maxBytes: 16 * 1024 * 1024 } });
});
after(() => h.stop());

const states = (es: RecordingEventSource) => es.ofType('state_changed').map((m) => (m.json.data as { state: string }).state);
const errors = (es: RecordingEventSource) => es.ofType('error').map((m) => m.json.error);

async function resume(lastEventId: string): Promise<RecordingEventSource> {
  const es = new RecordingEventSource(`${h.lan}/subscribe_events?token=${ADMIN_TOKEN}&events=state_changed&entity_id=${ENTITY}`, { 'Last-Event-ID': lastEventId });
  await es.waitFor((s) => s.ofType('connection').length === 1, 'connection');
  return es;
}

describe('a resume against the replay window', () => {
  it('inside the window gets every missed event; past it, replay_gap and live events only', async () => {
    // Another stream of the same event type keeps `state_changed` recorded throughout (SSE Hub
    // records a type only while some stream wants it, and for replay_linger after), so what is
    // tested here is the window alone.
    const keeper = new RecordingEventSource(`${h.lan}/subscribe_events?token=${ADMIN_TOKEN}&events=state_changed&entity_id=light.other`);
    after(() => keeper.close());
    await keeper.waitFor((s) => s.ofType('connection').length === 1, 'the keeper stream');
    const seen = h.publish(stateEvent(ENTITY, 'seen')).id;
    clock.advance(MINUTE);
    const missed = h.publish(stateEvent(ENTITY, 'missed')).id;
    clock.advance(10 * MINUTE - 1);

    // 9 min 59.999 s after `missed`: still held (`seen` itself is gone, which a resume after it does not need).
    const inside = await resume(seen);
    try {
      h.publish(stateEvent(ENTITY, 'live 1'));
      await inside.waitFor((s) => states(s).includes('live 1'), 'live 1');
      assert.deepEqual(states(inside), ['missed', 'live 1']);
      assert.deepEqual(errors(inside), []);
    } finally {
      inside.close();
    }
    await until(() => h.hub.list().length === 1, 'the stream closed');

    // One millisecond later `missed` is ten minutes old and gone: resuming from before it is a gap.
    clock.advance(1);
    assert.equal(h.transport.window().seconds, 10 * 60);
    const past = await resume(seen);
    try {
      h.publish(stateEvent(ENTITY, 'live 2'));
      await past.waitFor((s) => states(s).includes('live 2'), 'live 2');
      assert.deepEqual(errors(past), ['replay_gap']);
      assert.deepEqual(states(past), ['live 2'], 'live 1 is not replayed after a gap: no partial replay');
    } finally {
      past.close();
    }

    // From the dropped event itself nothing is missing: `live 1` and `live 2` are still held.
    const fromMissed = await resume(missed);
    try {
      await fromMissed.waitFor((s) => states(s).length === 2, 'the two live changes');
      assert.deepEqual(states(fromMissed), ['live 1', 'live 2']);
      assert.deepEqual(errors(fromMissed), []);
    } finally {
      fromMissed.close();
    }
  });
});
