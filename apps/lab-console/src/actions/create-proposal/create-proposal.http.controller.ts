import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import type { LabConsoleConfig } from '../../lab-console.config';
import { LAB_CONSOLE_CONFIG } from '../../tokens';
import { postToApp } from '../upstream';

@Controller('api/actions')
export class CreateProposalHttpController {
  constructor(@Inject(LAB_CONSOLE_CONFIG) private readonly config: LabConsoleConfig) {}

  /**
   * Creates a proposal through the command API, as any client would: → { proposalId, version, eventId,
   * outboxEventId }. The body goes as it came: the command API's contract validates it, and its refusal
   * (400 with the fields, 422 with the rule) comes back to the page unchanged but for the app's name.
   */
  @Post('create-proposal')
  @HttpCode(201)
  create(@Body() body: unknown, @Headers('traceparent') traceparent?: string): Promise<unknown> {
    // The page's trace continues into the command, the outbox row and the subscriber's logs.
    return postToApp('command-api', `${this.config.COMMAND_API_URL}/proposals`, body, traceparent);
  }
}
