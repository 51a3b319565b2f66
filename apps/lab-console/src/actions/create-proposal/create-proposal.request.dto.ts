import { LIMITS } from '@acme/contracts';
import { IsCleanText } from '@acme/http';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsOptional, IsPositive, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';

export class TravellerDto {
  @IsString()
  @IsCleanText(LIMITS.nameMaxLength, { notBlank: true })
  firstName!: string;

  @IsOptional()
  @IsString()
  @IsCleanText(LIMITS.nameMaxLength)
  middleName?: string;

  @IsString()
  @IsCleanText(LIMITS.nameMaxLength, { notBlank: true })
  lastName!: string;

  @IsInt()
  @Min(0)
  @Max(LIMITS.maxAge)
  age!: number;
}

/** The page's "create a proposal" form; the command API validates it again and owns the rules. */
export class CreateProposalRequestDto {
  @IsInt()
  @IsPositive()
  @Max(2_147_483_647)
  customerId!: number;

  @IsString()
  @MaxLength(LIMITS.packageIdMaxLength)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9@._-]*$/, { message: 'must be letters, digits and @ . _ - (e.g. BAHAMA5NIGHT@COCOCLUB)' })
  packageId!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIMITS.maxPax)
  @ValidateNested({ each: true })
  @Type(() => TravellerDto)
  pax!: TravellerDto[];
}
