import { IsInt, Max, Min, ValidateIf } from 'class-validator';

/** Exactly one of them: an outbox `event_id`, or the last N processed events. */
export class ReplayEventRequestDto {
  @ValidateIf((body: ReplayEventRequestDto) => body.last === undefined)
  @IsInt()
  @Min(1)
  eventId?: number;

  @ValidateIf((body: ReplayEventRequestDto) => body.eventId === undefined)
  @IsInt()
  @Min(1)
  @Max(1_000)
  last?: number;
}
