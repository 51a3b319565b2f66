import type { ProposalEvent, ProposalEventAction } from '@acme/contracts';
import { randomUUID } from 'node:crypto';

let nextProposalId = 1_000_000 + Math.floor(Math.random() * 1_000_000);

/** A fresh proposal id that no other test in this run uses. */
export const newProposalId = (): number => nextProposalId++;

/** A valid contract event for tests, version `version` of proposal `proposalId`. */
export function sampleEvent(proposalId: number, version: number, overrides: Partial<ProposalEvent['proposal']> = {}): ProposalEvent {
  const action: ProposalEventAction = version === 1 ? 'created' : 'updated';
  const at = new Date(Date.UTC(2026, 0, 1, 12, 0, version)).toISOString();
  return {
    schemaVersion: 1,
    eventId: randomUUID(),
    type: `proposal.${action}`,
    action,
    proposalId,
    version,
    occurredAt: at,
    source: 'test',
    proposal: {
      proposalId,
      customer: { customerId: 1, email: 'john.doe@example.com', firstName: 'John', middleName: null, lastName: 'Doe', phone: null },
      packageId: 'BAHAMA5NIGHT@COCOCLUB',
      status: 'ON_HOLD',
      pax: [{ firstName: 'Ana', middleName: null, lastName: "O'Brien", age: 30 + version }],
      expiresAt: '2026-01-15T12:00:00.000Z',
      notes: null,
      createdAt: '2026-01-01T12:00:00.000Z',
      updatedAt: at,
      ...overrides,
    },
  };
}

export function removedEvent(previous: ProposalEvent): ProposalEvent {
  return { ...previous, eventId: randomUUID(), type: 'proposal.removed', action: 'removed', version: previous.version + 1 };
}
