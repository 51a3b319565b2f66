import { parseProposalEvent, type ProposalEvent } from './proposal-event';

/** A valid `created` event written by hand, as a reader would receive it. Each test breaks one thing. */
const validEvent = (): ProposalEvent => ({
  schemaVersion: 1,
  eventId: '3f1c2a8e-5b7d-4e9a-8c61-0d2f4b6a8e10',
  type: 'proposal.created',
  action: 'created',
  proposalId: 42,
  version: 1,
  occurredAt: '2030-01-10T12:00:00.000Z',
  source: 'command-api',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  proposal: {
    proposalId: 42,
    customer: {
      customerId: 1,
      email: 'john.doe@example.com',
      firstName: 'John',
      middleName: null,
      lastName: 'Doe',
      phone: null,
    },
    packageId: 'BAHAMA5NIGHT@COCOCLUB',
    status: 'ON_HOLD',
    pax: [
      { firstName: 'John', middleName: null, lastName: 'Doe', age: 40 },
      { firstName: 'Seán', middleName: 'Ó', lastName: "O'Brien-Smith", age: 8 },
    ],
    expiresAt: '2030-01-24T12:00:00.000Z',
    notes: null,
    createdAt: '2030-01-10T12:00:00.000Z',
    updatedAt: '2030-01-10T12:00:00.000Z',
  },
});

const body = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** Parses `input`, expects a rejection and returns its reason for the `then` assertions. */
function rejectionReason(input: Buffer | string): string {
  const result = parseProposalEvent(input);
  if (result.ok) throw new Error(`expected a rejection, but the event was accepted: ${JSON.stringify(result.event)}`);
  return result.reason;
}

describe('parseProposalEvent', () => {
  it('accepts a valid event from a Buffer and returns it unchanged', () => {
    // given
    const event = validEvent();

    // when
    const result = parseProposalEvent(body(event));

    // then
    expect(result).toEqual({ ok: true, event });
  });

  it('accepts a valid event given as a string', () => {
    // given
    const event = validEvent();

    // when
    const result = parseProposalEvent(JSON.stringify(event));

    // then
    expect(result.ok).toBe(true);
  });

  it('accepts a valid event without a traceparent (it is optional)', () => {
    // given
    const { traceparent: _omitted, ...event } = validEvent();

    // when
    const result = parseProposalEvent(body(event));

    // then
    expect(result.ok).toBe(true);
  });

  it('accepts an updated event at a later version', () => {
    // given
    const event: ProposalEvent = { ...validEvent(), type: 'proposal.updated', action: 'updated', version: 2 };

    // when
    const result = parseProposalEvent(body(event));

    // then
    expect(result.ok).toBe(true);
  });

  it.each(['{"eventId": ', 'not json at all', ''])('rejects a body that is not JSON (%p) without throwing', (input) => {
    // when
    const reason = rejectionReason(Buffer.from(input));

    // then
    expect(reason).toMatch(/not valid JSON/);
  });

  it('rejects an event without an eventId and names the field', () => {
    // given
    const { eventId: _omitted, ...event } = validEvent();

    // when
    const reason = rejectionReason(body(event));

    // then
    expect(reason).toMatch(/contract violation/);
    expect(reason).toMatch(/eventId: Required/);
  });

  it('rejects an eventId that is not a UUID and names the field', () => {
    // given
    const event = { ...validEvent(), eventId: 'event-1' };

    // when
    const reason = rejectionReason(body(event));

    // then
    expect(reason).toMatch(/eventId: Invalid uuid/);
  });

  it('rejects an unknown event type and names the field', () => {
    // given
    const event = { ...validEvent(), type: 'proposal.archived' };

    // when
    const reason = rejectionReason(body(event));

    // then
    expect(reason).toMatch(/^contract violation: type: /);
    expect(reason).toContain('proposal.created');
  });

  it('rejects an event whose type does not match its action', () => {
    // given
    const event = { ...validEvent(), type: 'proposal.updated', action: 'created' };

    // when
    const reason = rejectionReason(body(event));

    // then
    expect(reason).toContain('type: type must be proposal.<action>');
  });

  it.each([0, 2])('rejects a created event with version %i (a created event is version 1)', (version) => {
    // given
    const event = { ...validEvent(), version };

    // when
    const reason = rejectionReason(body(event));

    // then
    expect(reason).toMatch(/version: /);
  });

  it('rejects a later event (updated) claiming version 1', () => {
    // given
    const event = { ...validEvent(), type: 'proposal.updated', action: 'updated' };

    // when
    const reason = rejectionReason(body(event));

    // then
    expect(reason).toContain('version: a created event has version 1 and only a created event has version 1');
  });

  it('rejects an extra top-level field and names it', () => {
    // given
    const event = { ...validEvent(), debug: true };

    // when
    const reason = rejectionReason(body(event));

    // then
    expect(reason).toMatch(/\(root\): Unrecognized key\(s\) in object: 'debug'/);
  });

  it('rejects an event whose snapshot is of another proposal', () => {
    // given
    const valid = validEvent();
    const event = { ...valid, proposal: { ...valid.proposal, proposalId: 43 } };

    // when
    const reason = rejectionReason(body(event));

    // then
    expect(reason).toContain('proposal.proposalId: proposal.proposalId must equal proposalId');
  });

  it('rejects a snapshot with a malformed traveller and gives the path to it', () => {
    // given
    const valid = validEvent();
    const event = { ...valid, proposal: { ...valid.proposal, pax: [{ ...valid.proposal.pax[0], age: -1 }] } };

    // when
    const reason = rejectionReason(body(event));

    // then
    expect(reason).toMatch(/proposal\.pax\.0\.age: /);
  });

  it.each([null, 42, 'a string', []])('rejects JSON that is not an event object (%p)', (value) => {
    // when
    const reason = rejectionReason(body(value));

    // then
    expect(reason).toMatch(/^contract violation: \(root\): /);
  });
});
