import { proposalEventSchema, type ProposalEvent } from '@acme/contracts';
import type { Db } from 'mongodb';
import { customerEntryOf, decideProposalView, storedEventOf, viewOf } from './projections';
import { CreationBatch, type CreationOutcome } from './creation-batch';
import { collectionsOf, insertNew, isDuplicateKeyError, type ReadModelCollections } from './read-model-db';
import type { CustomerProposalEntry, ProposalView } from './views';

export type ProjectionOutcome =
  | { kind: 'applied' }
  | { kind: 'duplicate'; count: number }
  | { kind: 'gap'; expectedVersion: number };

/** How often a conditioned write may lose a race to another subscriber before we give up for now. */
const MAX_CONFLICTS = 10;

/** Creations written by one insertMany at most; and how long that write may take before it counts as failed. */
const MAX_CREATION_BATCH = 500;
const CREATION_BATCH_TIMEOUT_MS = 10_000;

export class ConcurrentUpdateError extends Error {}

/**
 * Applies events to the read side with exactly-once *effect*, using only single-document atomic
 * operations (no multi-document transactions — FerretDB and a standalone MongoDB have none).
 *
 * Order of steps, chosen so that a crash between any two of them is harmless:
 *   1. `proposals` view — replaced only if it is at version N-1. At N or beyond: applied before — the
 *      event store tells a duplicate (logged, no effect) from an interrupted projection (completed).
 *   2. insert into `proposaleventstore` — the "done" marker; its unique id makes a second copy that
 *      raced us a duplicate.
 *   3. settle: the view is at least the newest stored version, and the `customerproposals` entry
 *      follows the view. Run after every delivery, duplicates included, so it also finishes the work
 *      of a subscriber that crashed after step 2.
 *
 * Step 3 also repairs lost updates. On MongoDB a conditioned replace is an atomic compare-and-set, and
 * a stale writer simply matches nothing. FerretDB v1 checks the condition and writes in two steps, so
 * a slow, stale writer can overwrite a newer view. Every writer verifies after its own write, so the
 * last one to act leaves the view at the newest applied version — on both servers.
 *
 * Creations (version 1) take a bulk path: there is nothing to read, because a view, a stored event or a
 * customer entry that already exists makes the insert fail on its unique `_id`. Creations that arrive
 * together are inserted with one unordered `insertMany` per collection (see CreationBatch); any that
 * meet an existing document take the general path above, which sorts out why.
 */
export class ProposalProjector {
  private readonly c: ReadModelCollections;
  private readonly creations: CreationBatch;

  constructor(
    db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.c = collectionsOf(db);
    this.creations = new CreationBatch((events) => this.insertCreations(events), MAX_CREATION_BATCH, CREATION_BATCH_TIMEOUT_MS);
  }

  /**
   * `settleOnGap: false` reports a gap after one read, for a caller that will wait for the predecessor
   * and try again (the full gap check — settle, decide again — is then done by that last try).
   */
  async project(event: ProposalEvent, { settleOnGap = true }: { settleOnGap?: boolean } = {}): Promise<ProjectionOutcome> {
    if (event.version === 1) {
      const created = await this.creations.add(event);
      if (created === 'applied') return { kind: 'applied' };
      if (created === 'settle') {
        await this.settle(event.proposalId);
        return { kind: 'applied' };
      }
    }
    return this.projectOne(event, settleOnGap);
  }

  private async projectOne(event: ProposalEvent, settleOnGap: boolean): Promise<ProjectionOutcome> {
    let view = await this.applyToProposalView(event);
    if (view.kind === 'gap' && !settleOnGap) return view;
    if (view.kind === 'gap') {
      // The predecessor may be applied but its view overwritten by a stale writer: settle, decide again.
      await this.settle(event.proposalId);
      view = await this.applyToProposalView(event);
      if (view.kind === 'gap') return view;
    }
    // THE DUPLICATE CHECK: at-least-once delivery becomes exactly-once effect here.
    if (view.appliedOnVersion === null && (await this.c.eventStore.findOne({ _id: event.eventId }, { projection: { _id: 1 } }))) {
      return this.duplicate(event);
    }
    if ((await insertNew(this.c.eventStore, [storedEventOf(event, view.appliedOnVersion, this.clock())])).size > 0) {
      // Another subscriber finished the same event a moment ago (two copies in flight at once).
      return this.duplicate(event);
    }
    await this.settle(event.proposalId);
    return { kind: 'applied' };
  }

  private async duplicate(event: ProposalEvent): Promise<ProjectionOutcome> {
    await this.settle(event.proposalId);
    return { kind: 'duplicate', count: await this.recordDuplicate(event) };
  }

  /**
   * The bulk path for creations: one insertMany each for views, stored events and customer entries.
   * An event whose view already exists goes the general way ('retry-one'); one whose customer entry
   * exists (a later version got there first) only needs the entry brought up to date ('settle').
   */
  private async insertCreations(events: ProposalEvent[]): Promise<CreationOutcome[]> {
    const now = this.clock();
    const outcomes: CreationOutcome[] = events.map(() => 'retry-one');
    const views = events.map((e) => viewOf(e, now));
    const viewExists = await insertNew(this.c.proposals, views);
    const fresh = events.map((_, i) => i).filter((i) => !viewExists.has(i));
    const stored = await insertNew(this.c.eventStore, fresh.map((i) => storedEventOf(events[i] as ProposalEvent, 0, now)));
    const applied = fresh.filter((_, k) => !stored.has(k));
    const entryExists = await insertNew(this.c.customerProposals, applied.map((i) => customerEntryOf(views[i] as ProposalView)));
    applied.forEach((i, k) => (outcomes[i] = entryExists.has(k) ? 'settle' : 'applied'));
    return outcomes;
  }

  /** Step 3: view ≥ newest stored event (repairing a lost update), then the customer entry follows. */
  private async settle(proposalId: number): Promise<void> {
    for (let rounds = 0; rounds < MAX_CONFLICTS; rounds++) {
      const [view, newest, entry] = await Promise.all([
        this.c.proposals.findOne({ _id: proposalId }),
        this.c.eventStore.find({ proposalId }, { projection: { version: 1, event: 1 } }).sort({ version: -1 }).limit(1).next(),
        this.c.customerProposals.findOne({ _id: proposalId }),
      ]);
      if (!newest || (view && view.version >= newest.version)) return this.syncCustomerEntry(proposalId, view, entry);
      const repaired = viewOf(proposalEventSchema.parse(newest.event), this.clock());
      if (view) await this.c.proposals.replaceOne({ _id: proposalId }, repaired);
      else await insertNew(this.c.proposals, [repaired]);
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
      if (decision.kind === 'already-applied') return { kind: 'ok', appliedOnVersion: null };
      if (!current) {
        if ((await insertNew(this.c.proposals, [decision.view])).size === 0) return { kind: 'ok', appliedOnVersion: 0 };
      } else {
        const result = await this.c.proposals.replaceOne({ _id: event.proposalId, version: current.version }, decision.view);
        if (result.matchedCount === 1) return { kind: 'ok', appliedOnVersion: current.version };
      }
      // Lost a race with another subscriber: read again and decide again.
    }
    throw new ConcurrentUpdateError(`proposal ${event.proposalId}: too many concurrent updates`);
  }

  /**
   * Brings the proposal's entry in `customerproposals` up to the proposal view (both as just read).
   * After a replace it reads both again: the last writer to touch the entry leaves it at the view's
   * latest version. A successful insert needs no check — a writer with a newer view either inserted
   * first (ours fails) or finds our entry and replaces it.
   */
  private async syncCustomerEntry(proposalId: number, view: ProposalView | null, entry: CustomerProposalEntry | null): Promise<void> {
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      if (!view || (entry && entry.version >= view.version)) return;
      if (!entry) {
        if ((await insertNew(this.c.customerProposals, [customerEntryOf(view)])).size === 0) return;
      } else {
        await this.c.customerProposals.replaceOne({ _id: proposalId }, customerEntryOf(view));
      }
      [view, entry] = await Promise.all([this.c.proposals.findOne({ _id: proposalId }), this.c.customerProposals.findOne({ _id: proposalId })]);
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
