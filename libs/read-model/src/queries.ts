import { PROPOSAL_STATUSES, type ProposalStatus } from '@acme/contracts';
import type { Db, Filter } from 'mongodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { collectionsOf, type ReadModelCollections } from './read-model-db';
import { summariseCustomer } from './projections';
import type { VersionSignals } from './version-signals';
import type { CustomerProposals, DuplicateEvent, ProposalView, InboxEntry } from './views';

const LIST_LIMIT = 10_000;

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

  private readonly signals: VersionSignals | undefined;
  private readonly livePollMs: number;

  /**
   * `signals`: wake-ups when a view changes, so that `awaitVersion` need not poll (see VersionSignals);
   * while they are live, a waiting read still looks again every `livePollMs` in case one was lost.
   */
  constructor(db: Db, { signals, livePollMs = 250 }: { signals?: VersionSignals; livePollMs?: number } = {}) {
    this.c = collectionsOf(db);
    this.signals = signals;
    this.livePollMs = livePollMs;
  }

  /** Includes removed proposals (tombstones): the caller decides what a removed proposal means. */
  byId(proposalId: number): Promise<ProposalView | null> {
    return this.c.proposals.findOne({ _id: proposalId });
  }

  /**
   * Reads the view until it has reached `version` or `withinMs` have passed, and returns the last view
   * read. For read-your-writes (`?minVersion`).
   * With live signals it reads again when the projection announces a new version (and every `livePollMs`
   * in case one was lost); without, it polls, backing off from 10 to 100 ms.
   */
  async awaitVersion(proposalId: number, version: number, withinMs: number): Promise<ProposalView | null> {
    const deadline = Date.now() + withinMs;
    for (let pause = 10; ; pause = Math.min(pause * 2, 100)) {
      // Registered before the read: an announcement that arrives while we read is not missed.
      const announced = this.signals?.expect(proposalId);
      const view = await this.byId(proposalId).catch((error: unknown) => {
        announced?.cancel();
        throw error;
      });
      const left = deadline - Date.now();
      if ((view?.version ?? 0) >= version || left <= 0) {
        announced?.cancel();
        return view;
      }
      const wait = Math.min(this.signals?.live ? this.livePollMs : pause, left);
      await (announced ? announced.within(wait) : sleep(wait));
    }
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

  /**
   * The course's "proposals for customer": the customer's entries, summed. The list holds at most
   * LIST_LIMIT proposals (the oldest); the counts are exact whatever the number.
   */
  async customerProposals(customerId: number): Promise<CustomerProposals> {
    const entries = await this.c.customerProposals
      .find({ customerId, removed: false })
      .sort({ _id: 1 })
      .limit(LIST_LIMIT)
      .toArray();
    const summary = summariseCustomer(customerId, entries);
    if (entries.length < LIST_LIMIT) return summary;
    const counts = await Promise.all(
      PROPOSAL_STATUSES.map(async (status) => [status, await this.c.customerProposals.countDocuments({ customerId, removed: false, status })] as const),
    );
    const countByStatus = Object.fromEntries(counts.filter(([, n]) => n > 0));
    return { ...summary, countByStatus, proposalCount: counts.reduce((sum, [, n]) => sum + n, 0) };
  }

  events(proposalId: number): Promise<InboxEntry[]> {
    return this.c.inbox.find({ proposalId }).sort({ version: 1 }).limit(1_000).toArray();
  }

  duplicates(limit: number): Promise<DuplicateEvent[]> {
    return this.c.duplicates.find({}).sort({ lastSeenAt: -1 }).limit(limit).toArray();
  }
}
