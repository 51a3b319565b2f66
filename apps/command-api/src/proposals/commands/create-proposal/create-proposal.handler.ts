import { createProposal, DomainError, proposalEvent } from '@acme/domain';
import { inTransaction } from '@acme/write-persistence';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { Clock, newEventId } from '../../../shared/clock';
import { EventPublication } from '../../event-publication';
import type { ChangeResult } from '../../proposal-changes';
import { CreateProposalCommand, type CreateProposalResult } from './create-proposal.command';

@CommandHandler(CreateProposalCommand)
export class CreateProposalHandler implements ICommandHandler<CreateProposalCommand> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly events: EventPublication,
  ) {}

  async execute(command: CreateProposalCommand): Promise<CreateProposalResult> {
    const outcome = await inTransaction(this.dataSource, async (store) => {
      const { idempotency } = command;
      if (idempotency) {
        // A retried request (same key) gets the first response back and creates nothing new.
        const first = await store.lockIdempotencyKey(idempotency.key);
        if (first) {
          if (first.requestHash !== idempotency.requestHash) {
            throw new DomainError(
              'IDEMPOTENCY.KEY_REUSED',
              'invalid',
              'this Idempotency-Key was already used with a different request body',
              [{ field: 'Idempotency-Key', message: 'reused with a different body' }],
            );
          }
          return { status: first.status, body: first.body as ChangeResult, replayed: true, event: undefined };
        }
      }

      const found = await store.customerAndNewProposalId(command.customerId);
      if (!found) {
        throw new DomainError('CUSTOMER.NOT_FOUND', 'invalid', `customer ${command.customerId} does not exist`, [
          { field: 'customerId', message: 'no customer with this id' },
        ]);
      }
      const now = this.clock.now();
      const proposal = createProposal(command, found.proposalId, now);
      await store.insert(proposal);

      const event = proposalEvent(proposal, found.customer, 'created', {
        eventId: newEventId(),
        occurredAt: now,
        source: 'command-api',
        traceparent: command.traceparent,
      });
      const outboxEventId = await this.events.record(store, event);
      const body: ChangeResult = { proposalId: proposal.proposalId, version: 1, eventId: event.eventId, outboxEventId };
      if (idempotency) {
        await store.saveIdempotentResponse(idempotency.key, { requestHash: idempotency.requestHash, status: 201, body });
      }
      return { status: 201, body, replayed: false, event };
    });

    if (outcome.event) await this.events.afterCommit(outcome.event);
    return { status: outcome.status, body: outcome.body, replayed: outcome.replayed };
  }
}
