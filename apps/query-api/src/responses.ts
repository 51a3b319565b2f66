import type { DuplicateEvent, ProposalView, InboxEntry } from '@acme/read-model';

/** What clients see: the view without storage details (`_id`, tombstone flags, revision counters). */
export function proposalResponse(view: ProposalView) {
  return {
    proposalId: view.proposalId,
    version: view.version,
    customer: view.customer,
    packageId: view.packageId,
    status: view.status,
    pax: view.pax,
    expiresAt: view.expiresAt.toISOString(),
    notes: view.notes,
    createdAt: view.createdAt.toISOString(),
    updatedAt: view.updatedAt.toISOString(),
  };
}

export function eventResponse(stored: InboxEntry) {
  return {
    eventId: stored.eventId,
    type: stored.type,
    version: stored.version,
    occurredAt: stored.occurredAt.toISOString(),
    appliedAt: stored.appliedAt.toISOString(),
    event: stored.event as unknown as Record<string, unknown>,
  };
}

export function duplicateResponse(d: DuplicateEvent) {
  return {
    eventId: d.eventId,
    proposalId: d.proposalId,
    version: d.version,
    type: d.type,
    count: d.count,
    firstSeenAt: d.firstSeenAt.toISOString(),
    lastSeenAt: d.lastSeenAt.toISOString(),
  };
}
