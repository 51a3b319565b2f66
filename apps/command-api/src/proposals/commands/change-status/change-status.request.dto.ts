import { PROPOSAL_STATUSES, type ProposalStatus } from '@acme/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsPositive } from 'class-validator';

export class ChangeStatusRequestDto {
  @ApiProperty({ enum: PROPOSAL_STATUSES, example: 'AWAITING_CONFIRMATION' })
  @IsIn(PROPOSAL_STATUSES, { message: `must be one of ${PROPOSAL_STATUSES.join(', ')}` })
  status!: ProposalStatus;

  @ApiPropertyOptional({ description: 'The version you read; a stale one is a 409 PROPOSAL.VERSION_CONFLICT.' })
  @IsOptional()
  @IsInt()
  @IsPositive()
  expectedVersion?: number;
}
