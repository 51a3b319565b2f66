import { LIMITS } from '@acme/contracts';
import { IsCleanText } from '@acme/http';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsPositive, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PaxDto, PaxList } from '../../pax.dto';

export class CreateProposalRequestDto {
  @ApiProperty({ example: 1 })
  @IsInt()
  @IsPositive()
  @Max(2_147_483_647)
  customerId!: number;

  @ApiProperty({ example: 'BAHAMA5NIGHT@COCOCLUB', maxLength: LIMITS.packageIdMaxLength })
  @IsString()
  @MaxLength(LIMITS.packageIdMaxLength)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9@._-]*$/, { message: 'must be letters, digits and @ . _ - (e.g. BAHAMA5NIGHT@COCOCLUB)' })
  packageId!: string;

  @PaxList()
  pax!: PaxDto[];

  @ApiPropertyOptional({ example: 14, minimum: 1, maximum: LIMITS.maxExpiryDays, default: LIMITS.defaultExpiryDays })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(LIMITS.maxExpiryDays)
  expiresInDays?: number;

  @ApiPropertyOptional({ maxLength: LIMITS.notesMaxLength })
  @IsOptional()
  @IsString()
  @IsCleanText(LIMITS.notesMaxLength, { multiline: true })
  notes?: string;
}
