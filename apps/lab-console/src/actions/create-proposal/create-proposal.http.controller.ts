import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import type { LabConsoleConfig } from '../../lab-console.config';
import { LAB_CONSOLE_CONFIG } from '../../tokens';
import { postToApp } from '../upstream';
import { CreateProposalRequestDto } from './create-proposal.request.dto';

@Controller('api/actions')
export class CreateProposalHttpController {
  constructor(@Inject(LAB_CONSOLE_CONFIG) private readonly config: LabConsoleConfig) {}

  /** Creates a proposal through the command API, as any client would: → { proposalId, version, eventId, outboxEventId }. */
  @Post('create-proposal')
  @HttpCode(201)
  create(@Body() body: CreateProposalRequestDto, @Headers('traceparent') traceparent?: string): Promise<unknown> {
    // The page's trace continues into the command, the outbox row and the subscriber's logs.
    return postToApp('command-api', `${this.config.COMMAND_API_URL}/proposals`, body, traceparent);
  }
}
