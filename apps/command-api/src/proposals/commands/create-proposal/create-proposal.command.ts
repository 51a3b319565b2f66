import type { Pax } from '@acme/domain';
import { Command } from '@nestjs/cqrs';
import type { ChangeResult } from '../../proposal-changes';

export class CreateProposalCommand extends Command<ChangeResult> {
  constructor(
    readonly customerId: number,
    readonly packageId: string,
    readonly pax: Pax[],
    readonly expiresInDays: number | undefined,
    readonly notes: string | undefined,
    readonly traceparent: string,
  ) {
    super();
  }
}
