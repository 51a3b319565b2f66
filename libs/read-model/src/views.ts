import type { CustomerSnapshot, PaxSnapshot, ProposalStatus } from '@acme/contracts';

/** MongoDB collections of database `acmetravel` (names are part of the contract). */
export const COLLECTIONS = {
  proposals: 'proposals',
  customerProposals: 'customerproposals',
  eventStore: 'proposaleventstore',
  duplicates: 'duplicateevents',
} as const;

/** `proposals`: the current view of one proposal, carrying the version of the last applied event. */
export interface ProposalView {
  _id: number;
  proposalId: number;
  version: number;
  /** A removed proposal stays as a tombstone, so an old redelivered event cannot bring it back. */
  removed: boolean;
  customerId: number;
  customer: CustomerSnapshot;
  packageId: string;
  status: ProposalStatus;
  pax: PaxSnapshot[];
  expiresAt: Date;
  notes: string | null;
  createdAt: Date;
  updatedAt: Date;
  lastEventId: string;
  projectedAt: Date;
}

/**
 * `customerproposals`: the course's "proposals for customer" view, kept as one small document per
 * proposal (keyed by proposal id, indexed by customer) and summed per customer when queried.
 *
 * Why not one document per customer with counters? Every proposal of a customer would then write the
 * same document, and a read-modify-write of a shared document needs an atomic compare-and-set. MongoDB
 * has one; FerretDB v1's conditional replace is not atomic (measured: lost updates under concurrency).
 * With one document per proposal, each document follows a single proposal's versions, and the result is
 * the same on both servers — and there is no hot document for the subscribers to fight over.
 */
export interface CustomerProposalEntry {
  _id: number;
  proposalId: number;
  customerId: number;
  customerName: string;
  version: number;
  status: ProposalStatus;
  packageId: string;
  /** Removed proposals stay as tombstones (so an old event cannot revive them) and are not counted. */
  removed: boolean;
}

/** A customer's proposals, as GET /customers/:id/proposals answers. */
export interface CustomerProposals {
  customerId: number;
  customerName: string | null;
  proposalCount: number;
  countByStatus: Partial<Record<ProposalStatus, number>>;
  proposals: { proposalId: number; status: ProposalStatus; version: number; packageId: string }[];
}

/** `proposaleventstore`: every applied event; `_id` is the event id, so the unique index is built in. */
export interface StoredEvent {
  _id: string;
  eventId: string;
  proposalId: number;
  version: number;
  type: string;
  occurredAt: Date;
  appliedAt: Date;
  /**
   * The view's version this event was applied on top of (always version - 1 when the projection is
   * right), or null when the view already had it (a redelivery completing an interrupted projection).
   * An audit trail: the chaos run checks it.
   */
  appliedOnVersion: number | null;
  event: unknown;
}

/** `duplicateevents`: one entry per duplicate event id, for investigation. */
export interface DuplicateEvent {
  _id: string;
  eventId: string;
  proposalId: number;
  version: number;
  type: string;
  count: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
}
