import type { ProposalEvent } from '@acme/contracts';
import type { Db } from 'mongodb';
import { applyToCustomerView, decideProposalView } from './projections';
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
 *   3. `customerproposals` view — per-proposal entry versions make it idempotent.
 *   4. insert into `proposaleventstore` — the "done" marker, written last. A redelivery after a crash
 *      before this step finds steps 2-3 already applied (no second effect) and completes step 4.
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
      return { kind: 'duplicate', count: await this.recordDuplicate(event) };
    }

    const view = await this.applyToProposalView(event);
    if (view.kind === 'gap') return view;
    // Only the event that made the view's current version updates the customer view; an older one
    // (seen again after a crash) has been or will be superseded there by its successor.
    if (view.currentVersion === event.version) await this.applyToCustomerView(event);

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
        event,
      });
    } catch (error) {
      // Another subscriber finished the same event a moment ago (two copies in flight at once).
      if (isDuplicateKeyError(error)) return { kind: 'duplicate', count: await this.recordDuplicate(event) };
      throw error;
    }
    return { kind: 'applied' };
  }

  private async applyToProposalView(
    event: ProposalEvent,
  ): Promise<{ kind: 'ok'; currentVersion: number } | { kind: 'gap'; expectedVersion: number }> {
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const current = await this.c.proposals.findOne({ _id: event.proposalId });
      const decision = decideProposalView(current, event, this.clock());
      if (decision.kind === 'gap') return decision;
      if (decision.kind === 'already-applied') return { kind: 'ok', currentVersion: current?.version ?? 0 };
      try {
        if (!current) {
          await this.c.proposals.insertOne(decision.view);
          return { kind: 'ok', currentVersion: event.version };
        }
        const result = await this.c.proposals.replaceOne({ _id: event.proposalId, version: current.version }, decision.view);
        if (result.matchedCount === 1) return { kind: 'ok', currentVersion: event.version };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      // Lost a race with another subscriber: read again and decide again.
    }
    throw new ConcurrentUpdateError(`proposal ${event.proposalId}: too many concurrent updates`);
  }

  private async applyToCustomerView(event: ProposalEvent): Promise<void> {
    const customerId = event.proposal.customer.customerId;
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const current = await this.c.customerProposals.findOne({ _id: customerId });
      const next = applyToCustomerView(current, event);
      if (!next) return;
      try {
        if (!current) {
          await this.c.customerProposals.insertOne(next);
          return;
        }
        const result = await this.c.customerProposals.replaceOne({ _id: customerId, rev: current.rev }, next);
        if (result.matchedCount === 1) return;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
    throw new ConcurrentUpdateError(`customer ${customerId}: too many concurrent updates`);
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
