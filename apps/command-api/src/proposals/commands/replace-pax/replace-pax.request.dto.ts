import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsPositive } from 'class-validator';
import { PaxDto, PaxList } from '../../pax.dto';

export class ReplacePaxRequestDto {
  @PaxList()
  pax!: PaxDto[];

  @ApiPropertyOptional({ description: 'The version you read; a stale one is a 409 PROPOSAL.VERSION_CONFLICT.' })
  @IsOptional()
  @IsInt()
  @IsPositive()
  expectedVersion?: number;
}
