import type { Pax } from '@acme/domain';
import { Command } from '@nestjs/cqrs';
import type { ChangeResult } from '../../proposal-changes';

export interface CreateProposalResult {
  /** 201 for a new proposal; the stored status when an Idempotency-Key replays the first response. */
  status: number;
  body: ChangeResult;
  replayed: boolean;
}

export class CreateProposalCommand extends Command<CreateProposalResult> {
  constructor(
    readonly customerId: number,
    readonly packageId: string,
    readonly pax: Pax[],
    readonly expiresInDays: number | undefined,
    readonly notes: string | undefined,
    readonly traceparent: string,
    readonly idempotency?: { key: string; requestHash: string },
  ) {
    super();
  }
}
