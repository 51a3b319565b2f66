import type { ProposalEvent } from '@acme/contracts';
import { randomUUID } from 'node:crypto';
import { customerEntryOf, decideProposalView, summariseCustomer, type ProposalViewDecision } from './projections';
import type { CustomerProposalEntry, ProposalView } from './views';

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

/** The view a decision produced; fails the test when the decision was not to apply. */
function appliedView(decision: ProposalViewDecision): ProposalView {
  if (decision.kind !== 'apply') throw new Error(`expected an apply decision, got ${decision.kind}`);
  return decision.view;
}

/**
 * Projects events the way the subscriber does — a gap is retried after the others — and returns the
 * customer entries of the resulting proposal views.
 */
function project(events: ProposalEvent[]): CustomerProposalEntry[] {
  const views = new Map<number, ProposalView>();
  let pending = [...events];
  for (let round = 0; round < events.length + 1 && pending.length > 0; round++) {
    pending = pending.filter((event) => {
      const decision = decideProposalView(views.get(event.proposalId) ?? null, event, NOW);
      if (decision.kind === 'apply') views.set(event.proposalId, decision.view);
      return decision.kind === 'gap';
    });
  }
  return [...views.values()].map(customerEntryOf);
}

describe('decideProposalView', () => {
  it('applies version 1 to a proposal that has no view yet, copying the snapshot into the view', () => {
    // given
    const created = eventOf(42, 1);

    // when
    const decision = decideProposalView(null, created, NOW);

    // then
    expect(decision).toEqual({
      kind: 'apply',
      view: {
        _id: 42,
        proposalId: 42,
        version: 1,
        removed: false,
        customerId: 7,
        customer: CUSTOMER,
        packageId: 'BAHAMA5NIGHT@COCOCLUB',
        status: 'ON_HOLD',
        pax: created.proposal.pax,
        expiresAt: new Date('2030-01-15T12:00:00.000Z'),
        notes: null,
        createdAt: new Date('2030-01-01T12:00:00.000Z'),
        updatedAt: new Date(created.proposal.updatedAt),
        lastEventId: created.eventId,
        projectedAt: NOW,
      },
    });
  });

  it('applies the next version on top of the current one', () => {
    // given
    const v1 = appliedView(decideProposalView(null, eventOf(42, 1), NOW));
    const v2 = eventOf(42, 2, { status: 'AWAITING_CONFIRMATION' });

    // when
    const view = appliedView(decideProposalView(v1, v2, NOW));

    // then
    expect(view).toMatchObject({ version: 2, status: 'AWAITING_CONFIRMATION', lastEventId: v2.eventId });
  });

  it('reports the same version again as already applied, so a redelivery has no second effect', () => {
    // given
    const created = eventOf(42, 1);
    const v1 = appliedView(decideProposalView(null, created, NOW));

    // when
    const decision = decideProposalView(v1, { ...created, eventId: randomUUID() }, NOW);

    // then
    expect(decision).toEqual({ kind: 'already-applied' });
  });

  it('reports an older version as already applied, so a late event never rolls the view back', () => {
    // given
    const v1 = appliedView(decideProposalView(null, eventOf(42, 1), NOW));
    const v2 = appliedView(decideProposalView(v1, eventOf(42, 2), NOW));

    // when
    const decision = decideProposalView(v2, eventOf(42, 1), NOW);

    // then
    expect(decision).toEqual({ kind: 'already-applied' });
  });

  it('reports a gap with the expected version when version 3 arrives on a view at version 1: never skipped', () => {
    // given
    const v1 = appliedView(decideProposalView(null, eventOf(42, 1), NOW));

    // when
    const decision = decideProposalView(v1, eventOf(42, 3), NOW);

    // then
    expect(decision).toEqual({ kind: 'gap', expectedVersion: 2 });
  });

  it('reports a gap expecting version 1 when a later version arrives before the proposal was created', () => {
    // when
    const decision = decideProposalView(null, eventOf(42, 2), NOW);

    // then
    expect(decision).toEqual({ kind: 'gap', expectedVersion: 1 });
  });

  it('marks the view removed on a removal, keeping it as a tombstone at the removal version', () => {
    // given
    const created = eventOf(42, 1);
    const v1 = appliedView(decideProposalView(null, created, NOW));

    // when
    const view = appliedView(decideProposalView(v1, removalOf(created), NOW));

    // then
    expect(view).toMatchObject({ proposalId: 42, version: 2, removed: true });
  });

  it('does not bring a removed proposal back when an older update is redelivered after the removal', () => {
    // given
    const created = eventOf(42, 1);
    const v1 = appliedView(decideProposalView(null, created, NOW));
    const tombstone = appliedView(decideProposalView(v1, removalOf(created), NOW));

    // when
    const decision = decideProposalView(tombstone, created, NOW);

    // then
    expect(decision).toEqual({ kind: 'already-applied' });
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
