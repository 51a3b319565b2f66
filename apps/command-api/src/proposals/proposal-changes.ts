import type { ProposalEventAction } from '@acme/contracts';
import { assertExpectedVersion, DomainError, proposalEvent, type Proposal, type WriteStorePort } from '@acme/domain';
import { Inject, Injectable } from '@nestjs/common';
import { Clock, newEventId } from '../shared/clock';
import { WRITE_STORE } from '../shared/tokens';
import { EventPublication } from './event-publication';

export interface ChangeResult {
  proposalId: number;
  version: number;
  /** The event's unique id (`event_guid`): what the read side deduplicates on. */
  eventId: string;
  /** The outbox row's `event_id` (null in direct mode): what the labs replay. */
  outboxEventId: number | null;
}

export interface Change {
  proposalId: number;
  expectedVersion: number | undefined;
  action: Exclude<ProposalEventAction, 'created'>;
  traceparent: string;
  /** The domain decision: the proposal as it should be after the change. */
  decide: (proposal: Proposal, now: Date) => Proposal;
}

const MAX_ATTEMPTS = 3;

/**
 * The shape every change to an existing proposal takes: load, check the expected version, decide,
 * save with an optimistic lock and record the event — all in one transaction.
 */
@Injectable()
export class ProposalChanges {
  constructor(
    @Inject(WRITE_STORE) private readonly writes: WriteStorePort,
    private readonly clock: Clock,
    private readonly events: EventPublication,
  ) {}

  async apply(change: Change): Promise<ChangeResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.applyOnce(change);
      } catch (error) {
        // A client that named no version asked for "the latest": recompute on it. One that did gets the 409.
        const retry =
          change.expectedVersion === undefined &&
          error instanceof DomainError &&
          error.code === 'PROPOSAL.VERSION_CONFLICT' &&
          attempt < MAX_ATTEMPTS;
        if (!retry) throw error;
      }
    }
  }

  private applyOnce(change: Change): Promise<ChangeResult> {
    return this.writes.inTransaction(async (store) => {
      const current = await store.load(change.proposalId);
      if (!current) throw new DomainError('PROPOSAL.NOT_FOUND', `proposal ${change.proposalId} does not exist`);
      assertExpectedVersion(current, change.expectedVersion);
      const now = this.clock.now();
      const next = change.decide(current, now);
      if (change.action === 'removed') {
        await store.delete(current.proposalId, current.version);
      } else {
        await store.update(next, current.version, next.pax !== current.pax);
      }
      const customer = await store.customer(current.customerId);
      if (!customer) throw new Error(`customer ${current.customerId} of proposal ${current.proposalId} is missing`);
      const event = proposalEvent(next, customer, change.action, {
        eventId: newEventId(),
        occurredAt: now,
        source: 'command-api',
        traceparent: change.traceparent,
      });
      const outboxEventId = await this.events.record(store, event);
      return { proposalId: next.proposalId, version: next.version, eventId: event.eventId, outboxEventId };
    });
  }
}
