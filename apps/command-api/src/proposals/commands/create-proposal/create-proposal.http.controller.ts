import { ApiProblems, ProblemException, requestTraceparent } from '@acme/http';
import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { createHash } from 'node:crypto';
import { toPax } from '../../pax.dto';
import { ChangeResultResponseDto } from '../../change-result.response.dto';
import type { ChangeResult } from '../../proposal-changes';
import { CreateProposalCommand } from './create-proposal.command';
import { CreateProposalRequestDto } from './create-proposal.request.dto';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

@ApiTags('proposals')
@Controller('proposals')
export class CreateProposalHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @HttpCode(201)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Retrying with the same key returns the first response.' })
  @ApiCreatedResponse({ description: 'created (or, with an Idempotency-Key seen before, the first answer again: header idempotent-replayed)', type: ChangeResultResponseDto })
  @ApiProblems(400, 409, 413, 415, 422)
  async create(
    @Body() body: CreateProposalRequestDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('traceparent') traceparent: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ChangeResult> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ProblemException(400, 'VALIDATION.FAILED', 'Idempotency-Key must be 1-200 visible ASCII characters', [
        { field: 'Idempotency-Key', message: 'must be 1-200 visible ASCII characters' },
      ]);
    }
    const result = await this.commandBus.execute(
      new CreateProposalCommand(
        body.customerId,
        body.packageId,
        toPax(body.pax),
        body.expiresInDays,
        body.notes,
        requestTraceparent(traceparent),
        idempotencyKey === undefined
          ? undefined
          : { key: idempotencyKey, requestHash: createHash('sha256').update(JSON.stringify(body)).digest('hex') },
      ),
    );
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    void reply.status(result.status);
    return result.body;
  }
}
