import type { Pax } from '@acme/domain';
import { Command } from '@nestjs/cqrs';
import type { ChangeResult } from '../../proposal-changes';

export class ReplacePaxCommand extends Command<ChangeResult> {
  constructor(
    readonly proposalId: number,
    readonly pax: Pax[],
    readonly expectedVersion: number | undefined,
    readonly traceparent: string,
  ) {
    super();
  }
}
