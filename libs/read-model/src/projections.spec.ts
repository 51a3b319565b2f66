import type { ProposalEvent } from '@acme/contracts';
import { randomUUID } from 'node:crypto';
import { applyToCustomerView, decideProposalView, type ProposalViewDecision } from './projections';
import type { CustomerProposalsView, ProposalView } from './views';

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

/** Folds events into a customer view the way the projector does: a null result leaves the view as it was. */
function foldCustomerView(events: ProposalEvent[]): CustomerProposalsView | null {
  return events.reduce<CustomerProposalsView | null>((view, event) => applyToCustomerView(view, event) ?? view, null);
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

describe('applyToCustomerView', () => {
  it('creates the customer view from the first event: one proposal, counted by status, with the full name', () => {
    // given
    const created = eventOf(42, 1);

    // when
    const view = applyToCustomerView(null, created);

    // then
    expect(view).toEqual({
      _id: 7,
      customerId: 7,
      customerName: 'Andy S Knoworth',
      proposalCount: 1,
      countByStatus: { ON_HOLD: 1 },
      proposals: [{ proposalId: 42, version: 1, status: 'ON_HOLD', packageId: 'BAHAMA5NIGHT@COCOCLUB', removed: false }],
      rev: 1,
    });
  });

  it('counts proposals by status and leaves removed proposals out of the counts', () => {
    // given three proposals of one customer, one of which is then removed
    const a = eventOf(1, 1);
    const b = eventOf(2, 1, { status: 'ACCEPTED' });
    const c = eventOf(3, 1, { status: 'ACCEPTED' });

    // when
    const view = foldCustomerView([a, b, c, removalOf(c)]);

    // then
    expect(view).toMatchObject({ proposalCount: 2, countByStatus: { ON_HOLD: 1, ACCEPTED: 1 } });
  });

  it('keeps a removed proposal in the list as a tombstone carrying its version', () => {
    // given
    const created = eventOf(42, 1);
    const view = applyToCustomerView(null, created);

    // when
    const next = applyToCustomerView(view, removalOf(created));

    // then
    expect(next?.proposals).toEqual([expect.objectContaining({ proposalId: 42, version: 2, removed: true })]);
    expect(next).toMatchObject({ proposalCount: 0, countByStatus: {} });
  });

  it('returns null (no change) for an older event arriving after a newer one of the same proposal', () => {
    // given
    const v1 = eventOf(42, 1);
    const v2 = eventOf(42, 2, { status: 'ACCEPTED' });
    const view = applyToCustomerView(null, v2);

    // when
    const next = applyToCustomerView(view, v1);

    // then
    expect(next).toBeNull();
  });

  it('returns null (no change) for the same event applied twice: the update is idempotent', () => {
    // given
    const created = eventOf(42, 1);
    const view = applyToCustomerView(null, created);

    // when
    const next = applyToCustomerView(view, created);

    // then
    expect(next).toBeNull();
  });

  it('ends in the same view whatever order the events of two proposals of one customer arrive in', () => {
    // given two proposals of one customer, each with a later status change, one of them removed
    const a1 = eventOf(10, 1);
    const a2 = eventOf(10, 2, { status: 'AWAITING_CONFIRMATION' });
    const b1 = eventOf(11, 1);
    const b2 = eventOf(11, 2, { status: 'ACCEPTED' });
    const b3 = removalOf(b2);
    const c1 = eventOf(12, 1, { status: 'REJECTED' });

    // when they arrive in order, and scrambled (newer before older, proposals interleaved)
    const inOrder = foldCustomerView([a1, a2, b1, b2, b3, c1]);
    const scrambled = foldCustomerView([c1, b2, a2, b1, b3, a1, b2]);

    // then the views agree on everything a reader sees; only the revision counter (the number of
    // writes that changed something) may differ, because skipped older events write nothing
    const { rev: _inOrderRev, ...expected } = inOrder ?? { rev: 0 };
    const { rev: _scrambledRev, ...actual } = scrambled ?? { rev: 0 };
    expect(actual).toEqual(expected);
    expect(actual).toMatchObject({
      proposalCount: 2,
      countByStatus: { AWAITING_CONFIRMATION: 1, REJECTED: 1 },
      proposals: [
        expect.objectContaining({ proposalId: 10, version: 2 }),
        expect.objectContaining({ proposalId: 11, version: 3, removed: true }),
        expect.objectContaining({ proposalId: 12, version: 1 }),
      ],
    });
  });

  it('keeps the proposals list in proposal id order whatever order they arrive in', () => {
    // when
    const view = foldCustomerView([eventOf(30, 1), eventOf(10, 1), eventOf(20, 1)]);

    // then
    expect(view?.proposals.map((p) => p.proposalId)).toEqual([10, 20, 30]);
  });

  it('increments the revision by one on every change, so a conditioned replace detects a concurrent writer', () => {
    // given
    const a1 = eventOf(1, 1);
    const first = applyToCustomerView(null, a1);

    // when
    const second = applyToCustomerView(first, eventOf(2, 1));
    const third = applyToCustomerView(second, eventOf(1, 2));

    // then
    expect([first?.rev, second?.rev, third?.rev]).toEqual([1, 2, 3]);
  });
});
