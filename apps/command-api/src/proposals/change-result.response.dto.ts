import { ApiProperty } from '@nestjs/swagger';
import type { ChangeResult } from './proposal-changes';

/** What every proposal command answers: the proposal's new version and the event that records it. */
export class ChangeResultResponseDto implements ChangeResult {
  @ApiProperty({ example: 1, minimum: 1 })
  proposalId!: number;

  @ApiProperty({ example: 1, minimum: 1, description: 'the version this change made; send it as expectedVersion next' })
  version!: number;

  @ApiProperty({ format: 'uuid', example: '0f8e2a52-6d0c-4d8e-9a57-3f3b1c2d4e5f', description: 'the event id the read side deduplicates on' })
  eventId!: string;

  @ApiProperty({ type: Number, nullable: true, example: 1, description: "the outbox row's event_id (null in direct mode): what the labs replay" })
  outboxEventId!: number | null;
}
