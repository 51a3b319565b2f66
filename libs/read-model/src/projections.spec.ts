import type { ProposalEvent } from '@acme/contracts';
import { randomUUID } from 'node:crypto';
import { decideBeforeInsert } from './inbox/decide';
import { customerEntryOf, summariseCustomer, viewOf } from './projections';
import type { CustomerProposalEntry } from './views';

// Plain data in, plain data out: no database, no clock (time is passed in), no mocks.
const NOW = new Date('2030-01-10T12:00:00.000Z');
const CUSTOMER = {
  customerId: 7,
  email: 'andy.knoworth@example.com',
  firstName: 'Andy',
  middleName: 'S',
  lastName: 'Knoworth',
  phone: null,
};

/** Version `version` of proposal `proposalId` of customer 7, as the write side would emit it. */
function eventOf(proposalId: number, version: number, overrides: Partial<ProposalEvent['proposal']> = {}): ProposalEvent {
  const action = version === 1 ? 'created' : 'updated';
  const at = new Date(Date.UTC(2030, 0, 1, 12, 0, version)).toISOString();
  return {
    schemaVersion: 1,
    eventId: randomUUID(),
    type: `proposal.${action}`,
    action,
    proposalId,
    version,
    occurredAt: at,
    source: 'unit-test',
    proposal: {
      proposalId,
      customer: CUSTOMER,
      packageId: 'BAHAMA5NIGHT@COCOCLUB',
      status: 'ON_HOLD',
      pax: [{ firstName: 'Ana', middleName: null, lastName: "O'Brien", age: 30 }],
      expiresAt: '2030-01-15T12:00:00.000Z',
      notes: null,
      createdAt: '2030-01-01T12:00:00.000Z',
      updatedAt: at,
      ...overrides,
    },
  };
}

function removalOf(previous: ProposalEvent): ProposalEvent {
  return { ...previous, eventId: randomUUID(), type: 'proposal.removed', action: 'removed', version: previous.version + 1 };
}

/**
 * Projects events the way the subscriber does, on a plain in-memory inbox — a gap is retried after
 * the others, a duplicate changes nothing — and returns the customer entries of the proposals' views.
 */
function project(events: ProposalEvent[]): CustomerProposalEntry[] {
  const inbox = new Map<number, ProposalEvent[]>();
  let pending = [...events];
  for (let round = 0; round < events.length + 1 && pending.length > 0; round++) {
    pending = pending.filter((event) => {
      const stored = inbox.get(event.proposalId) ?? [];
      if (decideBeforeInsert(event, stored.length >= event.version - 1).kind === 'gap') return true;
      if (!stored.some((e) => e.version === event.version)) inbox.set(event.proposalId, [...stored, event]);
      return false;
    });
  }
  return [...inbox.values()].map((stored) => customerEntryOf(viewOf(stored.at(-1)!, NOW)));
}

describe('viewOf', () => {
  it('copies the snapshot of an event into the view, at its version', () => {
    const event = eventOf(42, 1);
    expect(viewOf(event, NOW)).toMatchObject({
      _id: 42,
      proposalId: 42,
      version: 1,
      removed: false,
      customerId: 7,
      packageId: 'BAHAMA5NIGHT@COCOCLUB',
      status: 'ON_HOLD',
      lastEventId: event.eventId,
      expiresAt: new Date('2030-01-15T12:00:00.000Z'),
      projectedAt: NOW,
    });
  });

  it('marks the view removed on a removal, keeping it as a tombstone at the removal version', () => {
    expect(viewOf(removalOf(eventOf(42, 1)), NOW)).toMatchObject({ proposalId: 42, version: 2, removed: true });
  });
});

describe('customer view (customerEntryOf + summariseCustomer)', () => {
  it('makes one entry per proposal from its view, with the customer full name', () => {
    // given / when
    const [entry] = project([eventOf(42, 1)]);

    // then
    expect(entry).toEqual({
      _id: 42,
      proposalId: 42,
      customerId: 7,
      customerName: 'Andy S Knoworth',
      version: 1,
      status: 'ON_HOLD',
      packageId: 'BAHAMA5NIGHT@COCOCLUB',
      removed: false,
    });
  });

  it('counts proposals by status and leaves removed proposals out of the counts and the list', () => {
    // given three proposals of one customer, one of which is then removed
    const c = eventOf(3, 1, { status: 'ACCEPTED' });
    const entries = project([eventOf(1, 1), eventOf(2, 1, { status: 'ACCEPTED' }), c, removalOf(c)]);

    // when
    const summary = summariseCustomer(7, entries);

    // then
    expect(summary).toMatchObject({ customerId: 7, proposalCount: 2, countByStatus: { ON_HOLD: 1, ACCEPTED: 1 } });
    expect(summary.proposals.map((p) => p.proposalId)).toEqual([1, 2]);
  });

  it('ends in the same customer view whatever order the events of its proposals arrive in', () => {
    // given two proposals of one customer, each with a later status change, one of them removed
    const a1 = eventOf(10, 1);
    const a2 = eventOf(10, 2, { status: 'AWAITING_CONFIRMATION' });
    const b1 = eventOf(11, 1);
    const b2 = eventOf(11, 2, { status: 'ACCEPTED' });
    const b3 = removalOf(b2);
    const c1 = eventOf(12, 1, { status: 'REJECTED' });

    // when they arrive in order, and scrambled (newer before older, interleaved, one twice)
    const inOrder = summariseCustomer(7, project([a1, a2, b1, b2, b3, c1]));
    const scrambled = summariseCustomer(7, project([c1, b2, a2, b1, b3, a1, b2]));

    // then both agree
    expect(scrambled).toEqual(inOrder);
    expect(inOrder).toMatchObject({ proposalCount: 2, countByStatus: { AWAITING_CONFIRMATION: 1, REJECTED: 1 } });
  });

  it('summarises a customer without proposals as an empty view', () => {
    expect(summariseCustomer(9, [])).toEqual({ customerId: 9, customerName: null, proposalCount: 0, countByStatus: {}, proposals: [] });
  });
});
