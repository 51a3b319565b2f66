import { Command } from '@nestjs/cqrs';
import type { ChangeResult } from '../../proposal-changes';

export class RemoveProposalCommand extends Command<ChangeResult> {
  constructor(
    readonly proposalId: number,
    readonly expectedVersion: number | undefined,
    readonly traceparent: string,
  ) {
    super();
  }
}
