import type { ProposalEvent } from '@acme/contracts';
import type { Collection } from 'mongodb';
import { bulkUpdate, insertMissing } from '../read-model-db';
import type { DuplicateEvent } from '../views';

/**
 * Records duplicates in `duplicateevents`, one entry per event id: inserted with count 1 the first time
 * it comes back, incremented after that (insert first, then increment those that were already there —
 * both plain operations that MongoDB and FerretDB report alike).
 */
export async function logDuplicates(log: Collection<DuplicateEvent>, events: readonly ProposalEvent[], now: Date): Promise<void> {
  const firstTimes = events.map((e) => ({
    _id: e.eventId,
    eventId: e.eventId,
    proposalId: e.proposalId,
    version: e.version,
    type: e.type,
    count: 1,
    firstSeenAt: now,
    lastSeenAt: now,
  }));
  const seenBefore = await insertMissing(log, firstTimes);
  if (seenBefore.length === 0) return;
  await bulkUpdate(
    log,
    seenBefore.map((d) => ({ updateOne: { filter: { _id: d._id }, update: { $inc: { count: 1 }, $set: { lastSeenAt: now } } } })),
  );
}
