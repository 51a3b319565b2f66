import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class GetProposalQueryDto {
  @ApiPropertyOptional({ description: 'Read-your-writes: wait briefly until the view has reached this version.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  minVersion?: number;
}
