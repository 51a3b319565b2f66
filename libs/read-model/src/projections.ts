import type { ProposalEvent, ProposalStatus } from '@acme/contracts';
import type { CustomerProposalEntry, CustomerProposalsView, ProposalView } from './views';

/**
 * The projections as pure functions: apply(view, event) → decision. The I/O around them
 * (projector.ts) only loads, calls these, and writes conditioned on what it loaded.
 */

export type ProposalViewDecision =
  | { kind: 'apply'; view: ProposalView }
  /** The view is already at or past this version: applying again would be a second effect. */
  | { kind: 'already-applied' }
  /** A predecessor has not been applied yet: never skip it, never apply out of order — retry later. */
  | { kind: 'gap'; expectedVersion: number };

export function decideProposalView(current: ProposalView | null, event: ProposalEvent, now: Date): ProposalViewDecision {
  const currentVersion = current?.version ?? 0;
  if (event.version <= currentVersion) return { kind: 'already-applied' };
  if (event.version > currentVersion + 1) return { kind: 'gap', expectedVersion: currentVersion + 1 };
  const p = event.proposal;
  return {
    kind: 'apply',
    view: {
      _id: event.proposalId,
      proposalId: event.proposalId,
      version: event.version,
      removed: event.action === 'removed',
      customerId: p.customer.customerId,
      customer: p.customer,
      packageId: p.packageId,
      status: p.status,
      pax: p.pax,
      expiresAt: new Date(p.expiresAt),
      notes: p.notes,
      createdAt: new Date(p.createdAt),
      updatedAt: new Date(p.updatedAt),
      lastEventId: event.eventId,
      projectedAt: now,
    },
  };
}

/**
 * Returns the customer's view with this event applied, or null when it is already reflected.
 * Entries keep their version (and removed ones stay as tombstones), so the update is idempotent
 * and an older event never overwrites a newer one, whatever order they arrive in.
 */
export function applyToCustomerView(
  current: CustomerProposalsView | null,
  event: ProposalEvent,
): CustomerProposalsView | null {
  const existing = current?.proposals.find((e) => e.proposalId === event.proposalId);
  if (existing && existing.version >= event.version) return null;

  const entry: CustomerProposalEntry = {
    proposalId: event.proposalId,
    version: event.version,
    status: event.proposal.status,
    packageId: event.proposal.packageId,
    removed: event.action === 'removed',
  };
  const others = (current?.proposals ?? []).filter((e) => e.proposalId !== event.proposalId);
  const proposals = [...others, entry].sort((a, b) => a.proposalId - b.proposalId);
  const live = proposals.filter((e) => !e.removed);
  const countByStatus: Partial<Record<ProposalStatus, number>> = {};
  for (const e of live) countByStatus[e.status] = (countByStatus[e.status] ?? 0) + 1;
  const customer = event.proposal.customer;

  return {
    _id: customer.customerId,
    customerId: customer.customerId,
    customerName: [customer.firstName, customer.middleName, customer.lastName].filter(Boolean).join(' '),
    proposalCount: live.length,
    countByStatus,
    proposals,
    rev: (current?.rev ?? 0) + 1,
  };
}
