import { removeProposal } from '@acme/domain';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ProposalChanges, type ChangeResult } from '../../proposal-changes';
import { RemoveProposalCommand } from './remove-proposal.command';

@CommandHandler(RemoveProposalCommand)
export class RemoveProposalHandler implements ICommandHandler<RemoveProposalCommand> {
  constructor(private readonly changes: ProposalChanges) {}

  execute(command: RemoveProposalCommand): Promise<ChangeResult> {
    return this.changes.apply({
      proposalId: command.proposalId,
      expectedVersion: command.expectedVersion,
      action: 'removed',
      traceparent: command.traceparent,
      decide: (proposal, now) => removeProposal(proposal, now),
    });
  }
}
