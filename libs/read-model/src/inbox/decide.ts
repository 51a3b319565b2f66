import type { ProposalEvent } from '@acme/contracts';

/**
 * Lessons 3 and 5 as pure functions: what becomes of event N of a proposal, from what the inbox
 * (`proposaleventstore`) says. No database, no clock — the I/O that gathers these facts is in inbox.ts.
 *
 * The inbox holds one document per (proposal id, version), unique, and one per event id, unique.
 * N is inserted only once N-1 is stored, so a proposal's stored versions are always exactly 1..newest:
 *   - N > 1 and N-1 not stored        → a gap: wait for the predecessor (never skip it, never apply early)
 *   - the insert succeeds             → this delivery, and no other, applied version N
 *   - duplicate key, same event       → a duplicate: a redelivery or a republished event, no second effect
 *   - duplicate key, another event    → a corrupt stream: two events claim one version (or one id)
 */
export type InboxOutcome =
  | { kind: 'applied' }
  | { kind: 'duplicate' }
  | { kind: 'gap'; waitsFor: number }
  | { kind: 'corrupt'; reason: string };

/** What the inbox holds at the two unique keys of an event whose insert met a duplicate key. */
export interface StoredKeys {
  /** The (proposal, version) stored under this event's id, if any. */
  underEventId: { proposalId: number; version: number } | null;
  /** The event id stored at this event's (proposal, version), if any. */
  atVersion: string | null;
}

/** Before the insert: N may be inserted only once N-1 is stored. */
export function decideBeforeInsert(event: ProposalEvent, predecessorStored: boolean): { kind: 'insert' } | { kind: 'gap'; waitsFor: number } {
  return event.version === 1 || predecessorStored ? { kind: 'insert' } : { kind: 'gap', waitsFor: event.version - 1 };
}

/** After the insert: inserted is applied; a duplicate key is told apart by what the inbox holds. */
export function decideAfterInsert(event: ProposalEvent, result: { inserted: true } | { inserted: false; stored: StoredKeys }): InboxOutcome {
  if (result.inserted) return { kind: 'applied' };
  const { underEventId, atVersion } = result.stored;
  if (underEventId?.proposalId === event.proposalId && underEventId.version === event.version) return { kind: 'duplicate' };
  if (underEventId) {
    return { kind: 'corrupt', reason: `event id ${event.eventId} is already stored as proposal ${underEventId.proposalId} v${underEventId.version}` };
  }
  return { kind: 'corrupt', reason: `proposal ${event.proposalId} v${event.version} is already stored as event ${atVersion ?? '(unknown)'}` };
}

/**
 * A batch's events in the order the inbox must see them: per proposal, by version (a copy of one
 * version twice stays twice: the second is decided a duplicate). Each round holds at most one event per
 * proposal, so N is inserted only after the round that stored N-1 — the rounds of a catch-up (versions
 * adjacent in the queue) are its only extra round trips.
 */
export function insertRounds(events: readonly ProposalEvent[]): number[][] {
  const byProposal = new Map<number, number[]>();
  events.forEach((event, i) => byProposal.set(event.proposalId, [...(byProposal.get(event.proposalId) ?? []), i]));
  const chains = [...byProposal.values()].map((chain) => chain.sort((a, b) => events[a]!.version - events[b]!.version));
  const rounds: number[][] = [];
  for (let r = 0; chains.some((chain) => chain.length > r); r++) rounds.push(chains.flatMap((chain) => (r < chain.length ? [chain[r]!] : [])));
  return rounds;
}
