import { createProposal, DomainError, proposalEvent, type WriteStorePort } from '@acme/domain';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock, newEventId } from '../../../shared/clock';
import { WRITE_STORE } from '../../../shared/tokens';
import { EventPublication } from '../../event-publication';
import type { ChangeResult } from '../../proposal-changes';
import { CreateProposalCommand } from './create-proposal.command';

@CommandHandler(CreateProposalCommand)
export class CreateProposalHandler implements ICommandHandler<CreateProposalCommand> {
  constructor(
    @Inject(WRITE_STORE) private readonly writes: WriteStorePort,
    private readonly clock: Clock,
    private readonly events: EventPublication,
  ) {}

  execute(command: CreateProposalCommand): Promise<ChangeResult> {
    return this.writes.inTransaction(async (store) => {
      const found = await store.customerAndNewProposalId(command.customerId);
      if (!found) {
        throw new DomainError('CUSTOMER.NOT_FOUND', `customer ${command.customerId} does not exist`, [
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
      return { proposalId: proposal.proposalId, version: proposal.version, eventId: event.eventId, outboxEventId };
    });
  }
}
