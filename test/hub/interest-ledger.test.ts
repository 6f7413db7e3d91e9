/** The hub's hold on upstream event types: the linger after the last stream, and where recording began. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InterestLedger } from '../../src/hub/interest-ledger.ts';
import { FakeClock } from '../fake-clock.ts';
import { FakeInterest } from './fakes.ts';

function ledger(lingerMs: number, recordsEverything = false) {
  const clock = new FakeClock(0);
  const interest = new FakeInterest(recordsEverything);
  let head = 10;
  const interests = new InterestLedger({ interest, head: () => String(head), timers: clock, lingerMs });
  return { clock, interest, interests, setHead: (next: number) => (head = next) };
}

describe('InterestLedger', () => {
  test('a type stays held for the linger after its last stream, then is let go', () => {
    const { clock, interest, interests } = ledger(60_000);
    interests.retain('call_service');
    interests.retain('call_service');
    interests.release('call_service');
    interests.release('call_service');
    assert.deepEqual(interest.held, ['call_service'], 'still recorded after the last stream');
    assert.deepEqual(interests.snapshot(), { call_service: 0 });
    clock.advance(59_999);
    assert.deepEqual(interest.held, ['call_service']);
    clock.advance(1);
    assert.deepEqual(interest.held, []);
    assert.equal(interest.retains, 1);
    assert.equal(interest.releases, 1);
  });

  test('a stream back within the linger keeps the same hold and its recording start', () => {
    const { clock, interest, interests, setHead } = ledger(60_000);
    interests.retain('state_changed');
    interests.release('state_changed');
    setHead(25);
    clock.advance(30_000);
    interests.retain('state_changed');
    clock.advance(60_000);
    assert.deepEqual(interest.held, ['state_changed'], 'the cancelled linger does not fire');
    assert.equal(interest.retains, 1, 'one upstream retain for the whole time');
    assert.deepEqual([...interests.recordingStarts(['state_changed'])], ['10'], 'recorded continuously since head 10');
  });

  test('after the linger the next hold records from the new head', () => {
    const { clock, interests, setHead } = ledger(1000);
    interests.retain('state_changed');
    interests.release('state_changed');
    clock.advance(1000);
    setHead(42);
    interests.retain('state_changed');
    assert.deepEqual([...interests.recordingStarts(['state_changed', 'not_held'])], ['42']);
  });

  test('linger 0 lets go at once; stop() lets lingering types go', () => {
    const now = ledger(0);
    now.interests.retain('a');
    now.interests.release('a');
    assert.deepEqual(now.interest.held, []);

    const lingering = ledger(60_000);
    lingering.interests.retain('a');
    lingering.interests.retain('b');
    lingering.interests.release('a');
    lingering.interests.stop();
    assert.deepEqual(lingering.interest.held, ['b'], 'b still has its stream');
    assert.equal(lingering.clock.pending, 0, 'no timer left behind');
  });

  test('when everything is recorded anyway there is no recording start to report', () => {
    const { interests } = ledger(1000, true);
    interests.retain('state_changed');
    assert.equal(interests.recordingStarts(['state_changed']).size, 0);
  });
});
