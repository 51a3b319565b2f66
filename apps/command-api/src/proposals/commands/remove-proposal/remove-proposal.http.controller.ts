import { continueTrace, ProblemException } from '@acme/http';
import { Controller, Delete, Headers, Param, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { proposalIdPipe } from '../../proposal-id.pipe';
import type { ChangeResult } from '../../proposal-changes';
import { RemoveProposalCommand } from './remove-proposal.command';

@ApiTags('proposals')
@Controller('proposals')
export class RemoveProposalHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** A DELETE has no body, so the optimistic lock travels as `?expectedVersion=N`. */
  @Delete(':id')
  @ApiQuery({ name: 'expectedVersion', required: false, type: Number })
  remove(
    @Param('id', proposalIdPipe) proposalId: number,
    @Query('expectedVersion') expectedVersion: string | undefined,
    @Headers('traceparent') traceparent: string | undefined,
  ): Promise<ChangeResult> {
    if (expectedVersion !== undefined && !/^[1-9]\d{0,9}$/.test(expectedVersion)) {
      throw new ProblemException(400, 'VALIDATION.FAILED', 'expectedVersion must be a positive integer', [
        { field: 'expectedVersion', message: 'must be a positive integer' },
      ]);
    }
    return this.commandBus.execute(
      new RemoveProposalCommand(
        proposalId,
        expectedVersion === undefined ? undefined : Number(expectedVersion),
        continueTrace(traceparent),
      ),
    );
  }
}
