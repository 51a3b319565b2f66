import { ApiProblems, idPipe, requestTraceparent } from '@acme/http';
import { Body, Controller, Headers, Param, Patch } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ChangeResultResponseDto } from '../../change-result.response.dto';
import type { ChangeResult } from '../../proposal-changes';
import { ChangeStatusCommand } from './change-status.command';
import { ChangeStatusRequestDto } from './change-status.request.dto';

@ApiTags('proposals')
@Controller('proposals')
export class ChangeStatusHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Patch(':id/status')
  @ApiOkResponse({ description: 'the new version and its event', type: ChangeResultResponseDto })
  @ApiProblems(400, 404, 409, 413, 415, 422)
  changeStatus(
    @Param('id', idPipe) proposalId: number,
    @Body() body: ChangeStatusRequestDto,
    @Headers('traceparent') traceparent: string | undefined,
  ): Promise<ChangeResult> {
    return this.commandBus.execute(
      new ChangeStatusCommand(proposalId, body.status, body.expectedVersion, requestTraceparent(traceparent)),
    );
  }
}
