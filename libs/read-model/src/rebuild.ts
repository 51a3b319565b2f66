import type { ProposalEvent } from '@acme/contracts';
import type { Db } from 'mongodb';
import { Converge } from './inbox/converge';
import { Inbox } from './inbox/inbox';
import { collectionsOf, ensureIndexes } from './read-model-db';

const CHUNK = 500;

/**
 * Views are disposable: drop them and materialise them again from the inbox — each proposal from its
 * newest stored event, through the same converge step as live projection. A subscriber that keeps
 * running meanwhile is harmless: converge never replaces a view with an older version.
 */
export async function rebuildViews(
  db: Db,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<{ events: number; proposals: number; customers: number }> {
  const c = collectionsOf(db);
  const views = new Converge(db, c, new Inbox(c.inbox), () => new Date());
  const total = await c.inbox.countDocuments();
  await c.proposals.deleteMany({});
  await c.customerProposals.deleteMany({});

  let done = 0;
  let proposals = 0;
  const customers = new Set<number>();
  let chunk: ProposalEvent[] = [];
  let newest: ProposalEvent | undefined;
  const flush = async () => {
    await views.converge(chunk);
    chunk = [];
  };
  for await (const { event } of c.inbox.find({}, { projection: { event: 1 } }).sort({ proposalId: 1, version: 1 })) {
    if (newest && newest.proposalId !== event.proposalId) chunk.push(newest);
    newest = event;
    customers.add(event.proposal.customer.customerId);
    if (chunk.length >= CHUNK) {
      proposals += chunk.length;
      await flush();
    }
    if (++done % CHUNK === 0) onProgress(done, total);
  }
  if (newest) chunk.push(newest);
  proposals += chunk.length;
  await flush();
  await ensureIndexes(db);
  onProgress(done, total);
  return { events: done, proposals, customers: customers.size };
}
