import type { ProposalEvent } from '@acme/contracts';
import type { Collection, Db, Filter } from 'mongodb';
import { customerEntryOf, viewOf } from '../projections';
import { insertMissing, updateEach, type ReadModelCollections } from '../read-model-db';
import type { Inbox } from './inbox';

/** How often one converge may find a newer version stored after its write before it gives up for now. */
const MAX_ROUNDS = 10;

export class ConvergeError extends Error {}

/**
 * The views follow the inbox: `converge(events)` materialises each proposal's `proposals` and
 * `customerproposals` documents from the given event, its newest stored one, unless they already show
 * that version or a newer one (a duplicate leaves them as they are). Idempotent, so any delivery may run it at any time — which is what repairs a crash
 * between the inbox insert and the views: the redelivery finds a duplicate and converges again.
 *
 * A write is conditioned on the version (`version < N`). On MongoDB that is a compare-and-set and a
 * slower writer of an older version matches nothing. FerretDB v1 runs the condition as a read and the
 * write as a separate update, so that writer can land after a newer one; there, and only there, every
 * writer looks after its own write for a newer stored version and, if there is one, converges to it.
 * Whoever wrote last therefore leaves the views at the newest stored version, on both servers.
 */
export class Converge {
  private atomicConditionalWrites: Promise<boolean> | undefined;

  constructor(
    private readonly db: Db,
    private readonly c: ReadModelCollections,
    private readonly inbox: Inbox,
    private readonly clock: () => Date,
  ) {}

  /** `created`: proposals whose version 1 was applied just now, so that their views are most likely missing. */
  async converge(newest: readonly ProposalEvent[], created: ReadonlySet<number> = new Set()): Promise<void> {
    let targets = newest;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      await this.write(targets, round === 0 ? created : new Set());
      if (await this.conditionalWritesAreAtomic()) return;
      // Version 1 is only ever inserted, which is atomic: only replaced views can have been overtaken.
      const replaced = targets.filter((e) => e.version > 1);
      const overtaken = (await Promise.all(replaced.map(async (e) => ((await this.inbox.hasSuccessor(e.proposalId, e.version)) ? e : null)))).filter(
        (e) => e !== null,
      );
      if (overtaken.length === 0) return;
      targets = (await Promise.all(overtaken.map((e) => this.inbox.newest(e.proposalId)))).filter((e) => e !== null);
    }
    throw new ConvergeError(`views of ${targets.length} proposal(s) still behind their inbox after ${MAX_ROUNDS} rounds`);
  }

  private async write(events: readonly ProposalEvent[], created: ReadonlySet<number>): Promise<void> {
    if (events.length === 0) return;
    const views = events.map((e) => viewOf(e, this.clock()));
    // Two collections, no order between them: a crash after either is repaired by the redelivery.
    await Promise.all([writeUnlessNewer(this.c.proposals, views, created), writeUnlessNewer(this.c.customerProposals, views.map(customerEntryOf), created)]);
  }

  /** FerretDB says so in buildInfo; asked once (again after a failure). */
  private conditionalWritesAreAtomic(): Promise<boolean> {
    this.atomicConditionalWrites ??= this.db
      .admin()
      .command({ buildInfo: 1 })
      .then((info) => !('ferretdbVersion' in info))
      .catch((error: unknown) => {
        this.atomicConditionalWrites = undefined;
        throw error;
      });
    return this.atomicConditionalWrites;
  }
}

/**
 * Writes each document unless its collection holds that version of it or a newer one: an insert of
 * those most likely missing (version 1, or a proposal created just now), conditioned replaces of the
 * others — and of any of the first that turned out to exist. Only when a replace
 * matched nothing (the document is missing, or as new) an insert of those, and a replace again of those
 * that turned out to exist.
 */
async function writeUnlessNewer<T extends { _id: number; version: number }>(collection: Collection<T>, docs: T[], created: ReadonlySet<number>): Promise<void> {
  const replace = (batch: T[]) =>
    updateEach(collection, batch.map((doc) => ({ filter: { _id: doc._id, version: { $lt: doc.version } } as Filter<T>, replacement: doc })));
  const likelyMissing = docs.filter((d) => d.version === 1 || created.has(d._id));
  // A version 1 document that exists is at version 1 or later: nothing more to do for it.
  const existing = (await insertMissing(collection, likelyMissing)).filter((d) => d.version > 1);
  const updates = [...docs.filter((d) => d.version > 1 && !created.has(d._id)), ...existing];
  if (updates.length === 0 || (await replace(updates)) === updates.length) return;
  const present = await insertMissing(collection, updates);
  if (present.length > 0) await replace(present);
}
