import { continueTrace, idPipe } from '@acme/http';
import { Body, Controller, Headers, Param, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { toPax } from '../../pax.dto';
import type { ChangeResult } from '../../proposal-changes';
import { ReplacePaxCommand } from './replace-pax.command';
import { ReplacePaxRequestDto } from './replace-pax.request.dto';

@ApiTags('proposals')
@Controller('proposals')
export class ReplacePaxHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Put(':id/pax')
  replacePax(
    @Param('id', idPipe) proposalId: number,
    @Body() body: ReplacePaxRequestDto,
    @Headers('traceparent') traceparent: string | undefined,
  ): Promise<ChangeResult> {
    return this.commandBus.execute(
      new ReplacePaxCommand(proposalId, toPax(body.pax), body.expectedVersion, continueTrace(traceparent)),
    );
  }
}
