import type { CustomerSnapshot, PaxSnapshot, ProposalEvent, ProposalStatus } from '@acme/contracts';

/** MongoDB collections of database `acmetravel` (names are part of the contract). */
export const COLLECTIONS = {
  proposals: 'proposals',
  customerProposals: 'customerproposals',
  inbox: 'proposaleventstore',
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
 * proposal (keyed by proposal id, indexed by customer) and summed per customer when queried. Each
 * document then follows one proposal's versions, like `proposals`, and no document is shared by the
 * proposals of a customer (no hot document for concurrent subscribers to fight over).
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

/**
 * `proposaleventstore`, the inbox and the log: one document per applied event, unique by event id
 * (`_id`) and by (proposal id, version). The views are materialised from a proposal's newest entry.
 */
export interface InboxEntry {
  _id: string;
  eventId: string;
  proposalId: number;
  version: number;
  type: string;
  occurredAt: Date;
  /** When the insert that applied it was made (after its predecessor was known to be stored). */
  appliedAt: Date;
  event: ProposalEvent;
}

/** `duplicateevents`: one entry per duplicate event id, for investigation. */
export interface DuplicateEvent {
  _id: string;
  eventId: string;
  proposalId: number;
  version: number;
  type: string;
  /**
   * How many times it came back. On FerretDB a lower bound when two subscribers log the same event at the
   * same moment: its `$inc` reads, then writes, so one of two racing increments can be lost.
   */
  count: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
}
