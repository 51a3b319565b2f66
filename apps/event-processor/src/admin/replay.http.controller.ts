import { ProblemException } from '@acme/http';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { RelayService } from '../relay/relay.service';

export class ReplayRequestDto {
  @IsOptional()
  @IsInt()
  @Min(1)
  eventId?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000)
  last?: number;
}

/**
 * The duplicate lab as an API (used by the lab console page): the processor owns the outbox, so it is
 * the one that marks events unprocessed for republishing.
 */
@Controller('admin')
export class ReplayHttpController {
  constructor(private readonly relay: RelayService) {}

  @Post('replay')
  @HttpCode(200)
  async replay(@Body() body: ReplayRequestDto): Promise<{ replayed: number[] }> {
    if ((body.eventId === undefined) === (body.last === undefined)) {
      throw new ProblemException(400, 'VALIDATION.FAILED', 'give exactly one of eventId or last', [
        { field: 'eventId', message: 'give exactly one of eventId or last' },
      ]);
    }
    const replayed = await this.relay.replay(body.eventId !== undefined ? { eventId: body.eventId } : { last: body.last ?? 1 });
    if (replayed.length === 0) {
      throw new ProblemException(404, 'EVENT.NOT_FOUND', 'no such processed event in the outbox');
    }
    return { replayed };
  }
}
