import { replacePax } from '@acme/domain';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ProposalChanges, type ChangeResult } from '../../proposal-changes';
import { ReplacePaxCommand } from './replace-pax.command';

@CommandHandler(ReplacePaxCommand)
export class ReplacePaxHandler implements ICommandHandler<ReplacePaxCommand> {
  constructor(private readonly changes: ProposalChanges) {}

  execute(command: ReplacePaxCommand): Promise<ChangeResult> {
    return this.changes.apply({
      proposalId: command.proposalId,
      expectedVersion: command.expectedVersion,
      action: 'updated',
      traceparent: command.traceparent,
      decide: (proposal, now) => replacePax(proposal, command.pax, now),
    });
  }
}
