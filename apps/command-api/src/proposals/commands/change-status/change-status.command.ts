import type { ProposalStatus } from '@acme/contracts';
import { Command } from '@nestjs/cqrs';
import type { ChangeResult } from '../../proposal-changes';

export class ChangeStatusCommand extends Command<ChangeResult> {
  constructor(
    readonly proposalId: number,
    readonly status: ProposalStatus,
    readonly expectedVersion: number | undefined,
    readonly traceparent: string,
  ) {
    super();
  }
}
