import { ApiProblems, requestTraceparent } from '@acme/http';
import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiHeader, ApiTags } from '@nestjs/swagger';
import { IdempotencyKeys, type ReplyStatus } from '../../../shared/idempotency-keys';
import { toPax } from '../../pax.dto';
import { ChangeResultResponseDto } from '../../change-result.response.dto';
import type { ChangeResult } from '../../proposal-changes';
import { CreateProposalCommand } from './create-proposal.command';
import { CreateProposalRequestDto } from './create-proposal.request.dto';

@ApiTags('proposals')
@Controller('proposals')
export class CreateProposalHttpController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly idempotencyKeys: IdempotencyKeys,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Retrying with the same key returns the first response.' })
  @ApiCreatedResponse({ description: 'created (or, with an Idempotency-Key seen before, the first answer again: header idempotent-replayed)', type: ChangeResultResponseDto })
  @ApiProblems(400, 409, 413, 415, 422)
  create(
    @Body() body: CreateProposalRequestDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('traceparent') traceparent: string | undefined,
    @Res({ passthrough: true }) reply: ReplyStatus,
  ): Promise<ChangeResult> {
    return this.idempotencyKeys.respondOnce(idempotencyKey, body, reply, () =>
      this.commandBus.execute(
        new CreateProposalCommand(body.customerId, body.packageId, toPax(body.pax), body.expiresInDays, body.notes, requestTraceparent(traceparent)),
      ),
    );
  }
}
