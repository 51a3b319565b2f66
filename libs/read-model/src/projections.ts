import type { ProposalEvent, ProposalStatus } from '@acme/contracts';
import type { CustomerProposalEntry, CustomerProposals, ProposalView } from './views';

/**
 * The views as pure functions of one event: every event carries the proposal's full snapshot, so a
 * proposal's views are materialised from its newest stored event alone (inbox/converge.ts writes them).
 */

/** The proposal's view as of `event`: every event carries the full snapshot, so it is a pure copy. */
export function viewOf(event: ProposalEvent, now: Date): ProposalView {
  const p = event.proposal;
  return {
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
  };
}

/** The customer view's entry for a proposal: a pure function of the proposal's view. */
export function customerEntryOf(view: ProposalView): CustomerProposalEntry {
  const c = view.customer;
  return {
    _id: view.proposalId,
    proposalId: view.proposalId,
    customerId: view.customerId,
    customerName: [c.firstName, c.middleName, c.lastName].filter(Boolean).join(' '),
    version: view.version,
    status: view.status,
    packageId: view.packageId,
    removed: view.removed,
  };
}

/** Sums a customer's entries into the per-customer view: count by status and the live proposals. */
export function summariseCustomer(customerId: number, entries: CustomerProposalEntry[]): CustomerProposals {
  const live = entries.filter((e) => !e.removed).sort((a, b) => a.proposalId - b.proposalId);
  const countByStatus: Partial<Record<ProposalStatus, number>> = {};
  for (const e of live) countByStatus[e.status] = (countByStatus[e.status] ?? 0) + 1;
  return {
    customerId,
    customerName: entries[0]?.customerName ?? null,
    proposalCount: live.length,
    countByStatus,
    proposals: live.map(({ proposalId, status, version, packageId }) => ({ proposalId, status, version, packageId })),
  };
}
