import type { ProposalEvent } from '@acme/contracts';
import type { Db } from 'mongodb';
import { collectionsOf, ensureIndexes, type ReadModelCollections } from '../read-model-db';
import { COLLECTIONS } from '../views';
import { Converge } from './converge';
import { decideAfterInsert, decideBeforeInsert, insertRounds, type InboxOutcome } from './decide';
import { logDuplicates } from './duplicate-log';
import { Inbox } from './inbox';

/**
 * Projects a batch of valid events into the read side — lessons 3 (duplicates) and 5 (order), in
 * the order of the writes:
 *   1. decide each event against the inbox: predecessor lookups, then one unordered insert per round
 *      (one version per proposal per round), which applies an event or reports a duplicate key;
 *   2. converge the views of every proposal touched, from its newest stored event (inserts and conditioned replaces);
 *   3. log the duplicates;
 * and only then does the caller ack. A crash between any two writes is repaired by the redelivery:
 * its insert meets a duplicate key, and step 2 runs again for it (a duplicate converges too).
 *
 * One batch at a time per subscriber: the caller waits for `project` before the next.
 */
export class InboxProjector {
  private readonly c: ReadModelCollections;
  private readonly inbox: Inbox;
  private readonly views: Converge;
  /** The inbox collection this projector knows (its uuid): what it saw stored and its indexes hold for it. */
  private knownInbox: string | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.c = collectionsOf(db);
    this.inbox = new Inbox(this.c.inbox);
    this.views = new Converge(db, this.c, this.inbox, clock);
  }

  /** One outcome per event, in the batch's order. Throws when MongoDB fails (nothing was acked). */
  async project(events: readonly ProposalEvent[]): Promise<InboxOutcome[]> {
    await this.checkTheInbox();
    const outcomes = new Map<number, InboxOutcome>();
    const rounds = insertRounds(events);
    const waiting = new Set<number>(); // proposals with a gap: their later versions wait too
    for (const round of rounds) {
      const candidates = round.filter((i) => !waiting.has(events[i]!.proposalId));
      for (const i of round) if (waiting.has(events[i]!.proposalId)) outcomes.set(i, { kind: 'gap', waitsFor: events[i]!.version - 1 });
      const stored = await this.inbox.predecessorsStored(candidates.map((i) => events[i]!));
      const toInsert: number[] = [];
      candidates.forEach((i, k) => {
        const decision = decideBeforeInsert(events[i]!, stored[k]!);
        if (decision.kind === 'insert') {
          toInsert.push(i);
        } else {
          outcomes.set(i, decision);
          waiting.add(events[i]!.proposalId);
        }
      });
      // Taken after the predecessor lookups: an event's appliedAt is never before its predecessor's.
      const inserted = await this.inbox.insert(toInsert.map((i) => events[i]!), this.clock());
      await Promise.all(
        toInsert.map(async (i, k) => {
          const event = events[i]!;
          const result = inserted[k] === 'inserted' ? ({ inserted: true } as const) : { inserted: false as const, stored: await this.inbox.storedKeys(event) };
          outcomes.set(i, decideAfterInsert(event, result));
        }),
      );
    }
    const created = new Set(events.filter((e, i) => e.version === 1 && outcomes.get(i)?.kind === 'applied').map((e) => e.proposalId));
    await this.views.converge(await this.newestOfTouched(events, rounds.flat(), outcomes), created);
    await logDuplicates(this.c.duplicates, events.filter((_, i) => outcomes.get(i)?.kind === 'duplicate'), this.clock());
    return events.map((_, i) => outcomes.get(i)!);
  }

  /**
   * The unique indexes are the decision: no event is inserted before they exist. And what this
   * projector saw stored holds only for the inbox it saw: once per batch it asks for the collection's
   * uuid, and when the inbox is another one (dropped by a lab reset, say) it forgets what it saw and
   * makes the indexes again.
   */
  private async checkTheInbox(): Promise<void> {
    const uuid = await this.inboxUuid();
    if (uuid !== undefined && uuid === this.knownInbox) return;
    this.inbox.forgetWhatWasSeen();
    await ensureIndexes(this.db);
    this.knownInbox = await this.inboxUuid();
  }

  private async inboxUuid(): Promise<string | undefined> {
    const [found] = await this.db.listCollections({ name: COLLECTIONS.inbox }, { nameOnly: false }).toArray();
    const uuid = (found as { info?: { uuid?: unknown } } | undefined)?.info?.uuid;
    return uuid === undefined ? undefined : JSON.stringify(uuid);
  }

  /**
   * The newest stored event of each proposal the batch touched (all but gaps): the batch's own when
   * its last word on the proposal was an applied event; otherwise — a duplicate or a corrupt copy,
   * perhaps of a delivery that crashed before its views were written — read from the inbox.
   */
  private async newestOfTouched(events: readonly ProposalEvent[], inVersionOrder: number[], outcomes: Map<number, InboxOutcome>): Promise<ProposalEvent[]> {
    const newest = new Map<number, ProposalEvent | null>();
    for (const i of inVersionOrder) {
      const kind = outcomes.get(i)!.kind;
      if (kind !== 'gap') newest.set(events[i]!.proposalId, kind === 'applied' ? events[i]! : null);
    }
    const targets = await Promise.all([...newest].map(([proposalId, event]) => (event ? Promise.resolve(event) : this.inbox.newest(proposalId))));
    return targets.filter((e) => e !== null);
  }
}
