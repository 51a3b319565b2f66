import { changeStatus } from '@acme/domain';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ProposalChanges, type ChangeResult } from '../../proposal-changes';
import { ChangeStatusCommand } from './change-status.command';

@CommandHandler(ChangeStatusCommand)
export class ChangeStatusHandler implements ICommandHandler<ChangeStatusCommand> {
  constructor(private readonly changes: ProposalChanges) {}

  execute(command: ChangeStatusCommand): Promise<ChangeResult> {
    return this.changes.apply({
      proposalId: command.proposalId,
      expectedVersion: command.expectedVersion,
      action: 'updated',
      traceparent: command.traceparent,
      decide: (proposal, now) => changeStatus(proposal, command.status, now),
    });
  }
}
