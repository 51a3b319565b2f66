import { ProblemException } from '@acme/http';
import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import type { LabConsoleConfig } from '../../lab-console.config';
import { LAB_CONSOLE_CONFIG } from '../../tokens';
import { postToApp } from '../upstream';
import { ReplayEventRequestDto } from './replay-event.request.dto';

@Controller('api/actions')
export class ReplayEventHttpController {
  constructor(@Inject(LAB_CONSOLE_CONFIG) private readonly config: LabConsoleConfig) {}

  /**
   * Lab 3, the duplicate: the event processor marks the event unprocessed and publishes it again,
   * as if it had died between the broker's confirm and marking the row. → { replayed: [event_id…] }
   */
  @Post('replay')
  @HttpCode(200)
  replay(@Body() body: ReplayEventRequestDto): Promise<unknown> {
    if (body.eventId !== undefined && body.last !== undefined) {
      throw new ProblemException(400, 'VALIDATION.FAILED', 'give either eventId or last, not both', [
        { field: 'eventId', message: 'give either eventId or last, not both' },
      ]);
    }
    const request = body.eventId !== undefined ? { eventId: body.eventId } : { last: body.last };
    return postToApp('event-processor', `${this.config.EVENT_PROCESSOR_URL}/admin/replay`, request);
  }
}
