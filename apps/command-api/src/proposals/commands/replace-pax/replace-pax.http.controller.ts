import { ApiProblems, idPipe, requestTraceparent } from '@acme/http';
import { Body, Controller, Headers, Param, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { toPax } from '../../pax.dto';
import { ChangeResultResponseDto } from '../../change-result.response.dto';
import type { ChangeResult } from '../../proposal-changes';
import { ReplacePaxCommand } from './replace-pax.command';
import { ReplacePaxRequestDto } from './replace-pax.request.dto';

@ApiTags('proposals')
@Controller('proposals')
export class ReplacePaxHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Put(':id/pax')
  @ApiOkResponse({ description: 'the new version and its event', type: ChangeResultResponseDto })
  @ApiProblems(400, 404, 409, 413, 415, 422)
  replacePax(
    @Param('id', idPipe) proposalId: number,
    @Body() body: ReplacePaxRequestDto,
    @Headers('traceparent') traceparent: string | undefined,
  ): Promise<ChangeResult> {
    return this.commandBus.execute(
      new ReplacePaxCommand(proposalId, toPax(body.pax), body.expectedVersion, requestTraceparent(traceparent)),
    );
  }
}
