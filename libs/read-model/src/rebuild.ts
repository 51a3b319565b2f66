import { proposalEventSchema, type ProposalEvent } from '@acme/contracts';
import type { Db } from 'mongodb';
import { customerEntryOf, decideProposalView } from './projections';
import { collectionsOf, ensureIndexes, insertNew } from './read-model-db';
import type { ProposalView } from './views';

/**
 * Views are disposable: drop them and replay the read side's own event store through the same pure
 * projections. Events are replayed per proposal in version order, so the result equals live projection.
 */
export async function rebuildViews(
  db: Db,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<{ events: number; proposals: number; customers: number }> {
  const c = collectionsOf(db);
  const total = await c.eventStore.countDocuments();
  await c.proposals.deleteMany({});
  await c.customerProposals.deleteMany({});

  const proposals = new Map<number, ProposalView>();
  let done = 0;
  const now = new Date();
  for await (const stored of c.eventStore.find({}).sort({ proposalId: 1, version: 1 })) {
    const event: ProposalEvent = proposalEventSchema.parse(stored.event);
    const decision = decideProposalView(proposals.get(event.proposalId) ?? null, event, now);
    if (decision.kind === 'apply') proposals.set(event.proposalId, decision.view);
    if (++done % 500 === 0) onProgress(done, total);
  }

  const views = [...proposals.values()];
  // A subscriber that keeps running during a rebuild may already have re-created a document from a
  // newer event: that live document wins, the rebuilt one is dropped (insertNew skips existing ids).
  for (let i = 0; i < views.length; i += 1_000) await insertNew(c.proposals, views.slice(i, i + 1_000));
  const entries = views.map(customerEntryOf);
  for (let i = 0; i < entries.length; i += 1_000) await insertNew(c.customerProposals, entries.slice(i, i + 1_000));
  await ensureIndexes(db);
  onProgress(done, total);
  return { events: done, proposals: proposals.size, customers: new Set(entries.map((e) => e.customerId)).size };
}
