import type { ProposalEvent } from '@acme/contracts';
import type { Collection } from 'mongodb';
import { insertMissing } from '../read-model-db';
import type { InboxEntry } from '../views';
import type { StoredKeys } from './decide';
import { StoredVersions } from './stored-versions';

export function inboxEntryOf(event: ProposalEvent, appliedAt: Date): InboxEntry {
  return {
    _id: event.eventId,
    eventId: event.eventId,
    proposalId: event.proposalId,
    version: event.version,
    type: event.type,
    occurredAt: new Date(event.occurredAt),
    appliedAt,
    event,
  };
}

/**
 * The inbox's I/O: the facts `decide` needs. Every lookup is a point lookup on an indexed field
 * (`{ proposalId, version }`, `{ _id }`), the one kind of query both servers answer from an index.
 */
export class Inbox {
  /** What this process has seen stored: facts that never become false, so a lookup can be skipped. */
  private seen = new StoredVersions();

  constructor(private readonly entries: Collection<InboxEntry>) {}

  /** The inbox was dropped and made anew: what was seen stored no longer holds. */
  forgetWhatWasSeen(): void {
    this.seen = new StoredVersions();
  }

  /** For each event: is its predecessor stored? (true for version 1) */
  predecessorsStored(events: readonly ProposalEvent[]): Promise<boolean[]> {
    return Promise.all(
      events.map(async ({ proposalId, version }) => {
        if (version === 1 || this.seen.has(proposalId, version - 1)) return true;
        const found = await this.entries.findOne({ proposalId, version: version - 1 }, { projection: { _id: 1 } });
        if (found) this.seen.add(proposalId, version - 1);
        return found !== null;
      }),
    );
  }

  /**
   * THE DECISION: one unordered insert of the events (each stands alone). Returns, per event, whether
   * it was inserted or met a duplicate key on one of the two unique indexes. Any other failure throws.
   */
  async insert(events: readonly ProposalEvent[], appliedAt: Date): Promise<('inserted' | 'duplicate-key')[]> {
    const entries = events.map((e) => inboxEntryOf(e, appliedAt));
    const present = new Set(await insertMissing(this.entries, entries));
    return entries.map((entry) => {
      if (present.has(entry)) return 'duplicate-key';
      this.seen.add(entry.proposalId, entry.version);
      return 'inserted';
    });
  }

  /** After a duplicate key: what is stored under the event's id and at its version. */
  async storedKeys(event: ProposalEvent): Promise<StoredKeys> {
    const [underEventId, atVersion] = await Promise.all([
      this.entries.findOne({ _id: event.eventId }, { projection: { proposalId: 1, version: 1 } }),
      this.entries.findOne({ proposalId: event.proposalId, version: event.version }, { projection: { _id: 1 } }),
    ]);
    if (atVersion) this.seen.add(event.proposalId, event.version);
    return { underEventId: underEventId && { proposalId: underEventId.proposalId, version: underEventId.version }, atVersion: atVersion?._id ?? null };
  }

  /** Is a version after `version` of the proposal stored? (Its predecessor always is: one lookup.) */
  async hasSuccessor(proposalId: number, version: number): Promise<boolean> {
    if (this.seen.has(proposalId, version + 1)) return true;
    return (await this.entries.findOne({ proposalId, version: version + 1 }, { projection: { _id: 1 } })) !== null;
  }

  /** The proposal's newest stored event, the one its views are materialised from. */
  async newest(proposalId: number): Promise<ProposalEvent | null> {
    const entry = await this.entries.find({ proposalId }, { projection: { event: 1 } }).sort({ version: -1 }).limit(1).next();
    return entry?.event ?? null;
  }
}
