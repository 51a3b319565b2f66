import type { ProposalEvent, ProposalStatus } from '@acme/contracts';
import type { CustomerProposalEntry, CustomerProposals, ProposalView, StoredEvent } from './views';

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
  return { kind: 'apply', view: viewOf(event, now) };
}

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

/** The event store's record of an applied event (`appliedOnVersion`: the view's version it was applied on). */
export function storedEventOf(event: ProposalEvent, appliedOnVersion: number | null, appliedAt: Date): StoredEvent {
  return {
    _id: event.eventId,
    eventId: event.eventId,
    proposalId: event.proposalId,
    version: event.version,
    type: event.type,
    occurredAt: new Date(event.occurredAt),
    appliedAt,
    appliedOnVersion,
    event,
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
