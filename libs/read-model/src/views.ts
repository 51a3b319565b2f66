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

export interface CustomerProposalEntry {
  proposalId: number;
  version: number;
  status: ProposalStatus;
  packageId: string;
  removed: boolean;
}

/** `customerproposals`: the course's "proposals for customer" query, precomputed per customer. */
export interface CustomerProposalsView {
  _id: number;
  customerId: number;
  customerName: string;
  proposalCount: number;
  countByStatus: Partial<Record<ProposalStatus, number>>;
  /** Every proposal of the customer, in id order, including removed ones (tombstones). */
  proposals: CustomerProposalEntry[];
  /** Optimistic concurrency for the whole document: a replace only matches the revision it read. */
  rev: number;
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
