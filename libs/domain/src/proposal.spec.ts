import { LIMITS, PROPOSAL_STATUSES, proposalEventSchema, type CustomerSnapshot, type ProposalStatus } from '@acme/contracts';
import { DomainError } from './domain-error';
import {
  STATUS_TRANSITIONS,
  assertExpectedVersion,
  changeStatus,
  createProposal,
  normalisePax,
  proposalEvent,
  removeProposal,
  replacePax,
  type NewProposal,
  type Pax,
  type Proposal,
} from './proposal';

// Time is passed in, so every test pins it: no clock, no mocks.
const NOW = new Date('2030-01-10T12:00:00.000Z');
const LATER = new Date('2030-01-11T08:30:00.000Z');
const DAY_MS = 24 * 60 * 60 * 1000;

const pax = (overrides: Partial<Pax> = {}): Pax => ({
  firstName: 'John',
  middleName: null,
  lastName: 'Doe',
  age: 40,
  ...overrides,
});

const newProposal = (overrides: Partial<NewProposal> = {}): NewProposal => ({
  customerId: 1,
  packageId: 'BAHAMA5NIGHT@COCOCLUB',
  pax: [pax()],
  ...overrides,
});

const proposalIn = (status: ProposalStatus, overrides: Partial<Proposal> = {}): Proposal => ({
  ...createProposal(newProposal(), 42, NOW),
  status,
  ...overrides,
});

const customer: CustomerSnapshot = {
  customerId: 1,
  email: 'john.doe@example.com',
  firstName: 'John',
  middleName: null,
  lastName: 'Doe',
  phone: '+1 555 0100',
};

/** Runs `act`, expects it to throw a DomainError, and returns it for the `then` assertions. */
function domainErrorFrom(act: () => unknown): DomainError {
  try {
    act();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}

describe('createProposal', () => {
  it('starts a new proposal ON_HOLD at version 1, created and updated at now', () => {
    // given
    const input = newProposal();

    // when
    const proposal = createProposal(input, 7, NOW);

    // then
    expect(proposal).toMatchObject({
      proposalId: 7,
      customerId: 1,
      packageId: 'BAHAMA5NIGHT@COCOCLUB',
      status: 'ON_HOLD',
      version: 1,
      notes: null,
      createdAt: NOW,
      updatedAt: NOW,
    });
  });

  it('expires 14 days after now when no expiry is given', () => {
    // given
    const input = newProposal({ expiresInDays: undefined });

    // when
    const proposal = createProposal(input, 1, NOW);

    // then
    expect(proposal.expiresAt.getTime()).toBe(NOW.getTime() + 14 * DAY_MS);
  });

  it.each([1, 7, 30])('accepts an expiry of %i day(s) and expires that many days after now', (days) => {
    // given
    const input = newProposal({ expiresInDays: days });

    // when
    const proposal = createProposal(input, 1, NOW);

    // then
    expect(proposal.expiresAt.getTime()).toBe(NOW.getTime() + days * DAY_MS);
  });

  it.each([0, -1, 31, 1.5, Number.NaN])('rejects an expiry of %p days as PROPOSAL.INVALID_EXPIRY on field expiresInDays', (days) => {
    // given
    const input = newProposal({ expiresInDays: days });

    // when
    const error = domainErrorFrom(() => createProposal(input, 1, NOW));

    // then
    expect(error.code).toBe('PROPOSAL.INVALID_EXPIRY');
    expect(error.kind).toBe('invalid');
    expect(error.fields.map((f) => f.field)).toEqual(['expiresInDays']);
  });

  it('trims the travellers’ names', () => {
    // given
    const input = newProposal({ pax: [pax({ firstName: '  Andy ', middleName: ' S ', lastName: '\tKnoworth\n' })] });

    // when
    const proposal = createProposal(input, 1, NOW);

    // then
    expect(proposal.pax).toEqual([{ firstName: 'Andy', middleName: 'S', lastName: 'Knoworth', age: 40 }]);
  });

  it.each(['', '   '])('stores an empty middle name (%p) as null', (middleName) => {
    // given
    const input = newProposal({ pax: [pax({ middleName })] });

    // when
    const proposal = createProposal(input, 1, NOW);

    // then
    expect(proposal.pax[0]?.middleName).toBeNull();
  });

  it('applies the traveller rules to a new proposal (no pax is refused)', () => {
    // given
    const input = newProposal({ pax: [] });

    // when
    const error = domainErrorFrom(() => createProposal(input, 1, NOW));

    // then
    expect(error.code).toBe('PROPOSAL.NO_PAX');
  });
});

describe('normalisePax', () => {
  it('refuses a proposal without travellers with PROPOSAL.NO_PAX on field pax', () => {
    // when
    const error = domainErrorFrom(() => normalisePax([]));

    // then
    expect(error.code).toBe('PROPOSAL.NO_PAX');
    expect(error.kind).toBe('invalid');
    expect(error.fields.map((f) => f.field)).toEqual(['pax']);
  });

  it('accepts exactly LIMITS.maxPax different travellers (more than the course’s five columns)', () => {
    // given
    const travellers = Array.from({ length: LIMITS.maxPax }, (_, i) => pax({ firstName: `Traveller${i}` }));

    // when
    const result = normalisePax(travellers);

    // then
    expect(result).toHaveLength(LIMITS.maxPax);
  });

  it('refuses more than LIMITS.maxPax travellers with PROPOSAL.TOO_MANY_PAX', () => {
    // given
    const travellers = Array.from({ length: LIMITS.maxPax + 1 }, (_, i) => pax({ firstName: `Traveller${i}` }));

    // when
    const error = domainErrorFrom(() => normalisePax(travellers));

    // then
    expect(error.code).toBe('PROPOSAL.TOO_MANY_PAX');
    expect(error.kind).toBe('invalid');
    expect(error.fields.map((f) => f.field)).toEqual(['pax']);
  });

  it('refuses the same traveller twice (same first name, last name and age, ignoring case) and points at pax[1]', () => {
    // given
    const travellers = [pax({ firstName: 'John', lastName: 'Doe', age: 40 }), pax({ firstName: 'JOHN', lastName: 'doe', age: 40 })];

    // when
    const error = domainErrorFrom(() => normalisePax(travellers));

    // then
    expect(error.code).toBe('PROPOSAL.DUPLICATE_TRAVELLER');
    expect(error.kind).toBe('invalid');
    expect(error.fields).toEqual([{ field: 'pax[1]', message: expect.stringContaining('pax[0]') }]);
  });

  it('treats names that differ only by surrounding spaces as the same traveller', () => {
    // given
    const travellers = [pax({ firstName: 'John' }), pax({ firstName: ' John ' })];

    // when
    const error = domainErrorFrom(() => normalisePax(travellers));

    // then
    expect(error.code).toBe('PROPOSAL.DUPLICATE_TRAVELLER');
  });

  it('accepts two travellers with the same names but different ages (a parent and a child)', () => {
    // given
    const travellers = [pax({ age: 40 }), pax({ age: 8 })];

    // when
    const result = normalisePax(travellers);

    // then
    expect(result.map((p) => p.age)).toEqual([40, 8]);
  });

  it('preserves Unicode, apostrophes, hyphens and long names exactly', () => {
    // given
    const longName = 'Wolfeschlegelsteinhausenbergerdorff'.repeat(2).padEnd(LIMITS.nameMaxLength, 'x');
    const travellers: Pax[] = [
      { firstName: 'Seán', middleName: 'Ó', lastName: "O'Brien", age: 33 },
      { firstName: 'Anne-Marie', middleName: null, lastName: 'Smith-Jones', age: 31 },
      { firstName: 'Zoë', middleName: 'Ñandú', lastName: '張偉', age: 5 },
      { firstName: longName, middleName: null, lastName: longName, age: 70 },
    ];

    // when
    const result = normalisePax(travellers);

    // then
    expect(result).toEqual(travellers);
  });
});

describe('replacePax', () => {
  it.each(['ON_HOLD', 'AWAITING_CONFIRMATION'] as const)('replaces the travellers of a proposal in status %s and bumps its version', (status) => {
    // given
    const proposal = proposalIn(status, { version: 3 });
    const travellers = [pax({ firstName: ' Jane ' }), pax({ firstName: 'Jim', age: 6 })];

    // when
    const changed = replacePax(proposal, travellers, LATER);

    // then
    expect(changed.pax.map((p) => p.firstName)).toEqual(['Jane', 'Jim']);
    expect(changed.version).toBe(4);
    expect(changed.updatedAt).toBe(LATER);
    expect(changed.createdAt).toBe(proposal.createdAt);
  });

  it('leaves the original proposal unchanged', () => {
    // given
    const proposal = proposalIn('ON_HOLD');

    // when
    replacePax(proposal, [pax({ firstName: 'Jane' })], LATER);

    // then
    expect(proposal.pax.map((p) => p.firstName)).toEqual(['John']);
    expect(proposal.version).toBe(1);
  });

  it.each(['ACCEPTED', 'REJECTED', 'EXPIRED'] as const)('refuses to change the travellers of a proposal in status %s with PROPOSAL.NOT_EDITABLE', (status) => {
    // given
    const proposal = proposalIn(status);

    // when
    const error = domainErrorFrom(() => replacePax(proposal, [pax({ firstName: 'Jane' })], LATER));

    // then
    expect(error.code).toBe('PROPOSAL.NOT_EDITABLE');
    expect(error.kind).toBe('conflict');
  });

  it('applies the traveller rules to the new list (duplicates are refused)', () => {
    // given
    const proposal = proposalIn('ON_HOLD');

    // when
    const error = domainErrorFrom(() => replacePax(proposal, [pax(), pax()], LATER));

    // then
    expect(error.code).toBe('PROPOSAL.DUPLICATE_TRAVELLER');
  });
});

describe('changeStatus', () => {
  const allowed = PROPOSAL_STATUSES.flatMap((from) => STATUS_TRANSITIONS[from].map((to) => [from, to] as const));
  const disallowed = PROPOSAL_STATUSES.flatMap((from) =>
    PROPOSAL_STATUSES.filter((to) => !STATUS_TRANSITIONS[from].includes(to)).map((to) => [from, to] as const),
  );

  it('lists the course’s transitions: open states lead on, final states lead nowhere', () => {
    // then
    expect(allowed).toEqual([
      ['ON_HOLD', 'AWAITING_CONFIRMATION'],
      ['ON_HOLD', 'REJECTED'],
      ['ON_HOLD', 'EXPIRED'],
      ['AWAITING_CONFIRMATION', 'ON_HOLD'],
      ['AWAITING_CONFIRMATION', 'ACCEPTED'],
      ['AWAITING_CONFIRMATION', 'REJECTED'],
      ['AWAITING_CONFIRMATION', 'EXPIRED'],
    ]);
  });

  it.each(allowed)('moves a proposal from %s to %s and bumps its version', (from, to) => {
    // given
    const proposal = proposalIn(from, { version: 5 });

    // when
    const changed = changeStatus(proposal, to, LATER);

    // then
    expect(changed.status).toBe(to);
    expect(changed.version).toBe(6);
    expect(changed.updatedAt).toBe(LATER);
  });

  it('covers every status pair as either allowed or disallowed, same→same included in disallowed', () => {
    // then
    expect(allowed.length + disallowed.length).toBe(PROPOSAL_STATUSES.length ** 2);
    for (const status of PROPOSAL_STATUSES) expect(disallowed).toContainEqual([status, status]);
  });

  it.each(disallowed)('refuses to move a proposal from %s to %s with PROPOSAL.INVALID_TRANSITION (a conflict)', (from, to) => {
    // given
    const proposal = proposalIn(from);

    // when
    const error = domainErrorFrom(() => changeStatus(proposal, to, LATER));

    // then
    expect(error.code).toBe('PROPOSAL.INVALID_TRANSITION');
    expect(error.kind).toBe('conflict');
    expect(error.message).toContain(`from ${from} to ${to}`);
    expect(error.fields.map((f) => f.field)).toEqual(['status']);
  });

  it('refuses to accept a proposal after it has expired with PROPOSAL.EXPIRED', () => {
    // given
    const proposal = proposalIn('AWAITING_CONFIRMATION');
    const afterExpiry = new Date(proposal.expiresAt.getTime() + 1);

    // when
    const error = domainErrorFrom(() => changeStatus(proposal, 'ACCEPTED', afterExpiry));

    // then
    expect(error.code).toBe('PROPOSAL.EXPIRED');
    expect(error.kind).toBe('conflict');
  });

  it('accepts a proposal up to the very moment it expires', () => {
    // given
    const proposal = proposalIn('AWAITING_CONFIRMATION');

    // when
    const changed = changeStatus(proposal, 'ACCEPTED', proposal.expiresAt);

    // then
    expect(changed.status).toBe('ACCEPTED');
  });
});

describe('removeProposal', () => {
  it('bumps the version so the read side sees the removal in order', () => {
    // given
    const proposal = proposalIn('ON_HOLD', { version: 2 });

    // when
    const removed = removeProposal(proposal, LATER);

    // then
    expect(removed.version).toBe(3);
    expect(removed.updatedAt).toBe(LATER);
    expect(removed.status).toBe('ON_HOLD');
  });
});

describe('assertExpectedVersion', () => {
  it('lets a client that sends no expected version through', () => {
    // given
    const proposal = proposalIn('ON_HOLD', { version: 4 });

    // then
    expect(() => assertExpectedVersion(proposal, undefined)).not.toThrow();
  });

  it('lets a client that read the current version through', () => {
    // given
    const proposal = proposalIn('ON_HOLD', { version: 4 });

    // then
    expect(() => assertExpectedVersion(proposal, 4)).not.toThrow();
  });

  it.each([3, 5])('refuses a client that expected version %i (stale or unknown) with PROPOSAL.VERSION_CONFLICT', (expected) => {
    // given
    const proposal = proposalIn('ON_HOLD', { version: 4 });

    // when
    const error = domainErrorFrom(() => assertExpectedVersion(proposal, expected));

    // then
    expect(error.code).toBe('PROPOSAL.VERSION_CONFLICT');
    expect(error.kind).toBe('conflict');
    expect(error.fields.map((f) => f.field)).toEqual(['expectedVersion']);
  });
});

describe('proposalEvent', () => {
  const ctx = {
    eventId: '0b7e6f3c-8a52-4c5e-9a44-2f1c3d4e5f60',
    occurredAt: NOW,
    source: 'command-api',
  };

  it('builds a created event that satisfies the shared event contract', () => {
    // given
    const proposal = createProposal(newProposal({ notes: 'sea view' }), 42, NOW);

    // when
    const event = proposalEvent(proposal, customer, 'created', ctx);

    // then
    const parsed = proposalEventSchema.safeParse(event);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it.each([
    ['updated', (p: Proposal) => replacePax(p, [pax({ firstName: 'Jane' })], LATER)],
    ['updated', (p: Proposal) => changeStatus(p, 'AWAITING_CONFIRMATION', LATER)],
    ['removed', (p: Proposal) => removeProposal(p, LATER)],
  ] as const)('builds the %s event after a later change that satisfies the shared event contract', (action, change) => {
    // given
    const proposal = change(createProposal(newProposal(), 42, NOW));

    // when
    const event = proposalEvent(proposal, customer, action, ctx);

    // then
    const parsed = proposalEventSchema.safeParse(event);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it.each(['created', 'updated', 'removed'] as const)('types the %s event as proposal.<action> and carries the proposal’s version', (action) => {
    // given
    const proposal = proposalIn('ON_HOLD', { version: action === 'created' ? 1 : 2 });

    // when
    const event = proposalEvent(proposal, customer, action, ctx);

    // then
    expect(event.type).toBe(`proposal.${action}`);
    expect(event.action).toBe(action);
    expect(event.version).toBe(proposal.version);
    expect(event.proposalId).toBe(42);
    expect(event.proposal.proposalId).toBe(42);
  });

  it('carries the full snapshot of the proposal after the change, dates as ISO strings', () => {
    // given
    const proposal = createProposal(newProposal({ notes: 'sea view' }), 42, NOW);

    // when
    const event = proposalEvent(proposal, customer, 'created', ctx);

    // then
    expect(event).toMatchObject({
      eventId: ctx.eventId,
      occurredAt: NOW.toISOString(),
      source: 'command-api',
      proposal: {
        customer,
        packageId: 'BAHAMA5NIGHT@COCOCLUB',
        status: 'ON_HOLD',
        pax: [pax()],
        expiresAt: proposal.expiresAt.toISOString(),
        notes: 'sea view',
        createdAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
      },
    });
  });

  it('includes the traceparent when the change came with one', () => {
    // given
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const proposal = createProposal(newProposal(), 42, NOW);

    // when
    const event = proposalEvent(proposal, customer, 'created', { ...ctx, traceparent });

    // then
    expect(event.traceparent).toBe(traceparent);
  });

  it('leaves the traceparent out entirely when there was none', () => {
    // given
    const proposal = createProposal(newProposal(), 42, NOW);

    // when
    const event = proposalEvent(proposal, customer, 'created', { ...ctx, traceparent: undefined });

    // then
    expect(Object.keys(event)).not.toContain('traceparent');
  });
});
