import type { ProposalEvent } from '@acme/contracts';
import type { Collection } from 'mongodb';
import { insertMissing, updateEach } from '../read-model-db';
import type { DuplicateEvent } from '../views';

/**
 * Records duplicates in `duplicateevents`, one entry per event id: inserted with its count the first
 * time it comes back, incremented after that (insert first, then increment those that were already
 * there — both plain operations that MongoDB and FerretDB report alike). Copies of one event in the
 * batch make one write, so no two of this batch's increments race on an entry.
 */
export async function logDuplicates(log: Collection<DuplicateEvent>, events: readonly ProposalEvent[], now: Date): Promise<void> {
  const copies = new Map<string, { event: ProposalEvent; count: number }>();
  for (const event of events) {
    const seen = copies.get(event.eventId);
    if (seen) seen.count++;
    else copies.set(event.eventId, { event, count: 1 });
  }
  const firstTimes = [...copies.values()].map(({ event: e, count }) => ({
    _id: e.eventId,
    eventId: e.eventId,
    proposalId: e.proposalId,
    version: e.version,
    type: e.type,
    count,
    firstSeenAt: now,
    lastSeenAt: now,
  }));
  const seenBefore = await insertMissing(log, firstTimes);
  await updateEach(
    log,
    seenBefore.map((d) => ({ filter: { _id: d._id }, update: { $inc: { count: d.count }, $set: { lastSeenAt: now } } })),
  );
}
