import type { ProposalStatus } from '@acme/contracts';
import type { Db, Filter } from 'mongodb';
import { collectionsOf, type ReadModelCollections } from './read-model-db';
import { summariseCustomer } from './projections';
import type { CustomerProposals, DuplicateEvent, ProposalView, StoredEvent } from './views';

export interface ProposalListFilter {
  customerId?: number | undefined;
  status?: ProposalStatus | undefined;
  limit: number;
  /** Exclusive: the last proposal id of the previous page. */
  afterProposalId?: number | undefined;
}

/**
 * The read side's queries. Every filter value is a typed number or an enum member checked at the HTTP
 * edge, and goes into a literal filter object here — user input never becomes a query operator.
 */
export class ProposalQueries {
  private readonly c: ReadModelCollections;

  constructor(db: Db) {
    this.c = collectionsOf(db);
  }

  /** Includes removed proposals (tombstones): the caller decides what a removed proposal means. */
  byId(proposalId: number): Promise<ProposalView | null> {
    return this.c.proposals.findOne({ _id: proposalId });
  }

  async list(filter: ProposalListFilter): Promise<{ items: ProposalView[]; nextAfter: number | null }> {
    const query: Filter<ProposalView> = { removed: false };
    if (filter.customerId !== undefined) query.customerId = filter.customerId;
    if (filter.status !== undefined) query.status = filter.status;
    if (filter.afterProposalId !== undefined) query._id = { $gt: filter.afterProposalId };
    const items = await this.c.proposals
      .find(query)
      .sort({ _id: 1 })
      .limit(filter.limit + 1)
      .toArray();
    const page = items.slice(0, filter.limit);
    return { items: page, nextAfter: items.length > filter.limit ? (page.at(-1)?._id ?? null) : null };
  }

  /** The course's "proposals for customer": the customer's entries, summed. */
  async customerProposals(customerId: number): Promise<CustomerProposals> {
    const entries = await this.c.customerProposals.find({ customerId }).sort({ _id: 1 }).limit(10_000).toArray();
    return summariseCustomer(customerId, entries);
  }

  events(proposalId: number): Promise<StoredEvent[]> {
    return this.c.eventStore.find({ proposalId }).sort({ version: 1 }).limit(1_000).toArray();
  }

  duplicates(limit: number): Promise<DuplicateEvent[]> {
    return this.c.duplicates.find({}).sort({ lastSeenAt: -1 }).limit(limit).toArray();
  }
}
