import { proposalEventSchema, type ProposalEvent } from '@acme/contracts';
import type { Db } from 'mongodb';
import { customerEntryOf, decideProposalView, viewOf } from './projections';
import { collectionsOf, isDuplicateKeyError, type ReadModelCollections } from './read-model-db';

export type ProjectionOutcome =
  | { kind: 'applied' }
  | { kind: 'duplicate'; count: number }
  | { kind: 'gap'; expectedVersion: number };

/** How often a conditioned write may lose a race to another subscriber before we give up for now. */
const MAX_CONFLICTS = 10;

export class ConcurrentUpdateError extends Error {}

/**
 * Applies one event to the read side with exactly-once *effect*, using only single-document atomic
 * operations (no multi-document transactions — FerretDB and a standalone MongoDB have none).
 *
 * Order of steps, chosen so that a crash between any two of them is harmless:
 *   1. seen before? — the event id is in `proposaleventstore` → a duplicate: log it, no effect.
 *   2. `proposals` view — replaced only if it is at version N-1 (else: already applied, or a gap).
 *   3. insert into `proposaleventstore` — the "done" marker. A redelivery after a crash before this
 *      step finds step 2 already applied (no second effect) and completes step 3.
 *   4. settle: the view is at least the newest stored version, and the `customerproposals` entry
 *      follows the view. Run after every delivery, duplicates included, so it also finishes the work
 *      of a subscriber that crashed after step 3.
 *
 * Step 4 also repairs lost updates. On MongoDB a conditioned replace is an atomic compare-and-set, and
 * a stale writer simply matches nothing. FerretDB v1 checks the condition and writes in two steps, so
 * a slow, stale writer can overwrite a newer view. Every writer verifies after its own write, so the
 * last one to act leaves the view at the newest applied version — on both servers.
 */
export class ProposalProjector {
  private readonly c: ReadModelCollections;

  constructor(
    db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.c = collectionsOf(db);
  }

  async project(event: ProposalEvent): Promise<ProjectionOutcome> {
    // THE DUPLICATE CHECK: at-least-once delivery becomes exactly-once effect here.
    if (await this.c.eventStore.findOne({ _id: event.eventId }, { projection: { _id: 1 } })) {
      await this.settle(event.proposalId);
      return { kind: 'duplicate', count: await this.recordDuplicate(event) };
    }

    let view = await this.applyToProposalView(event);
    if (view.kind === 'gap') {
      // The predecessor may be applied but its view overwritten by a stale writer: settle, decide again.
      await this.settle(event.proposalId);
      view = await this.applyToProposalView(event);
      if (view.kind === 'gap') return view;
    }

    try {
      const now = this.clock();
      await this.c.eventStore.insertOne({
        _id: event.eventId,
        eventId: event.eventId,
        proposalId: event.proposalId,
        version: event.version,
        type: event.type,
        occurredAt: new Date(event.occurredAt),
        appliedAt: now,
        appliedOnVersion: view.appliedOnVersion,
        event,
      });
    } catch (error) {
      // Another subscriber finished the same event a moment ago (two copies in flight at once).
      if (isDuplicateKeyError(error)) {
        await this.settle(event.proposalId);
        return { kind: 'duplicate', count: await this.recordDuplicate(event) };
      }
      throw error;
    }
    await this.settle(event.proposalId);
    return { kind: 'applied' };
  }

  /** Step 4: view ≥ newest stored event (repairing a lost update), then the customer entry follows. */
  private async settle(proposalId: number): Promise<void> {
    for (let rounds = 0; rounds < MAX_CONFLICTS; rounds++) {
      const [view, newest] = await Promise.all([
        this.c.proposals.findOne({ _id: proposalId }),
        this.c.eventStore.find({ proposalId }, { projection: { version: 1, event: 1 } }).sort({ version: -1 }).limit(1).next(),
      ]);
      if (!newest || (view && view.version >= newest.version)) return this.syncCustomerEntry(proposalId);
      const repaired = viewOf(proposalEventSchema.parse(newest.event), this.clock());
      try {
        if (view) await this.c.proposals.replaceOne({ _id: proposalId }, repaired);
        else await this.c.proposals.insertOne(repaired);
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
    throw new ConcurrentUpdateError(`proposal ${proposalId}: could not settle its view`);
  }

  private async applyToProposalView(
    event: ProposalEvent,
  ): Promise<{ kind: 'ok'; appliedOnVersion: number | null } | { kind: 'gap'; expectedVersion: number }> {
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const current = await this.c.proposals.findOne({ _id: event.proposalId });
      const decision = decideProposalView(current, event, this.clock());
      if (decision.kind === 'gap') return decision;
      if (decision.kind === 'already-applied') {
        return { kind: 'ok', appliedOnVersion: null };
      }
      try {
        if (!current) {
          await this.c.proposals.insertOne(decision.view);
          return { kind: 'ok', appliedOnVersion: 0 };
        }
        const result = await this.c.proposals.replaceOne({ _id: event.proposalId, version: current.version }, decision.view);
        if (result.matchedCount === 1) return { kind: 'ok', appliedOnVersion: current.version };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      // Lost a race with another subscriber: read again and decide again.
    }
    throw new ConcurrentUpdateError(`proposal ${event.proposalId}: too many concurrent updates`);
  }

  /**
   * Brings the proposal's entry in `customerproposals` up to the proposal view. Each writer checks
   * after writing, so the last one to touch the entry leaves it at the view's latest version.
   */
  private async syncCustomerEntry(proposalId: number): Promise<void> {
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const [view, entry] = await Promise.all([
        this.c.proposals.findOne({ _id: proposalId }),
        this.c.customerProposals.findOne({ _id: proposalId }),
      ]);
      if (!view || (entry && entry.version >= view.version)) return;
      try {
        if (entry) await this.c.customerProposals.replaceOne({ _id: proposalId }, customerEntryOf(view));
        else await this.c.customerProposals.insertOne(customerEntryOf(view));
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error; // inserted concurrently: read again
      }
    }
    throw new ConcurrentUpdateError(`customer entry of proposal ${proposalId}: too many concurrent updates`);
  }

  /** One entry per duplicate event id, with how often it came back and when. Returns the count. */
  private async recordDuplicate(event: ProposalEvent): Promise<number> {
    const now = this.clock();
    const filter = { _id: event.eventId };
    const update = {
      $inc: { count: 1 },
      $set: { lastSeenAt: now, proposalId: event.proposalId, version: event.version, type: event.type },
      $setOnInsert: { eventId: event.eventId, firstSeenAt: now },
    };
    try {
      await this.c.duplicates.updateOne(filter, update, { upsert: true });
    } catch (error) {
      // Two first duplicates at once: both tried to insert; the loser updates instead.
      if (!isDuplicateKeyError(error)) throw error;
      await this.c.duplicates.updateOne(filter, update);
    }
    const entry = await this.c.duplicates.findOne(filter, { projection: { count: 1 } });
    return entry?.count ?? 1;
  }
}
