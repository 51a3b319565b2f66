import { sampleEvent } from '@acme/testing';
import { decideAfterInsert, decideBeforeInsert, insertRounds } from './decide';

// Plain data in, plain data out: the inbox's decision without a database.
describe('decideBeforeInsert', () => {
  it('inserts version 1 whatever is stored', () => {
    expect(decideBeforeInsert(sampleEvent(5, 1), false)).toEqual({ kind: 'insert' });
  });

  it('inserts version N once N-1 is stored', () => {
    expect(decideBeforeInsert(sampleEvent(5, 3), true)).toEqual({ kind: 'insert' });
  });

  it('reports a gap naming the missing predecessor when N-1 is not stored: never skipped, never applied early', () => {
    expect(decideBeforeInsert(sampleEvent(5, 3), false)).toEqual({ kind: 'gap', waitsFor: 2 });
  });
});

describe('decideAfterInsert', () => {
  const event = sampleEvent(5, 2);

  it('calls an inserted event applied: this delivery and no other', () => {
    expect(decideAfterInsert(event, { inserted: true })).toEqual({ kind: 'applied' });
  });

  it('calls a duplicate key with the same event stored a duplicate', () => {
    const stored = { underEventId: { proposalId: 5, version: 2 }, atVersion: event.eventId };
    expect(decideAfterInsert(event, { inserted: false, stored })).toEqual({ kind: 'duplicate' });
  });

  it('calls another event stored at this version a corrupt stream, naming it', () => {
    const stored = { underEventId: null, atVersion: 'other-id' };
    expect(decideAfterInsert(event, { inserted: false, stored })).toEqual({ kind: 'corrupt', reason: 'proposal 5 v2 is already stored as event other-id' });
  });

  it('calls this event id stored under another version a corrupt stream, naming where', () => {
    const stored = { underEventId: { proposalId: 5, version: 1 }, atVersion: null };
    expect(decideAfterInsert(event, { inserted: false, stored })).toEqual({
      kind: 'corrupt',
      reason: `event id ${event.eventId} is already stored as proposal 5 v1`,
    });
  });
});

describe('insertRounds', () => {
  it('puts at most one event per proposal in a round, each proposal in version order', () => {
    // given versions 3, 1, 2 of proposal 7, version 1 of proposal 8, and a second copy of 7 v1
    const events = [sampleEvent(7, 3), sampleEvent(7, 1), sampleEvent(8, 1), sampleEvent(7, 2)];
    events.push(events[1]!);

    // when / then: 7 goes 1, 1 (the copy), 2, 3; 8 is in the first round
    expect(insertRounds(events)).toEqual([[1, 2], [4], [3], [0]]);
  });

  it('is one round for events of distinct proposals', () => {
    expect(insertRounds([sampleEvent(1, 4), sampleEvent(2, 1), sampleEvent(3, 9)])).toEqual([[0, 1, 2]]);
  });
});
