import { ApiProblems, idPipe, parsePositiveInt, requestTraceparent } from '@acme/http';
import { Controller, Delete, Headers, Param, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ChangeResultResponseDto } from '../../change-result.response.dto';
import type { ChangeResult } from '../../proposal-changes';
import { RemoveProposalCommand } from './remove-proposal.command';

@ApiTags('proposals')
@Controller('proposals')
export class RemoveProposalHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** A DELETE has no body, so the optimistic lock travels as `?expectedVersion=N`. */
  @Delete(':id')
  @ApiOkResponse({ description: 'the new version and its event', type: ChangeResultResponseDto })
  @ApiProblems(400, 404, 409, 422)
  @ApiQuery({ name: 'expectedVersion', required: false, type: Number })
  remove(
    @Param('id', idPipe) proposalId: number,
    @Query('expectedVersion') expectedVersion: string | undefined,
    @Headers('traceparent') traceparent: string | undefined,
  ): Promise<ChangeResult> {
    return this.commandBus.execute(
      new RemoveProposalCommand(
        proposalId,
        expectedVersion === undefined ? undefined : parsePositiveInt(expectedVersion, 'expectedVersion'),
        requestTraceparent(traceparent),
      ),
    );
  }
}
