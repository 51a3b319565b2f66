import { LIMITS } from '@acme/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

/** Any script, apostrophes and hyphens welcome; blank names and control characters are not. */
const NAME = /^(?=.*\S)[^\p{Cc}]*$/u;
const NAME_MESSAGE = 'must contain a visible character and no control characters';

export class PaxDto {
  @ApiProperty({ example: "D'Arcy", maxLength: LIMITS.nameMaxLength })
  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.nameMaxLength)
  @Matches(NAME, { message: NAME_MESSAGE })
  firstName!: string;

  @ApiPropertyOptional({ example: 'Jean-Luc', nullable: true, maxLength: LIMITS.nameMaxLength })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.nameMaxLength)
  @Matches(/^[^\p{Cc}]*$/u, { message: 'must not contain control characters' })
  middleName?: string | null;

  @ApiProperty({ example: 'Ó Súilleabháin', maxLength: LIMITS.nameMaxLength })
  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.nameMaxLength)
  @Matches(NAME, { message: NAME_MESSAGE })
  lastName!: string;

  @ApiProperty({ example: 34, minimum: 0, maximum: LIMITS.maxAge })
  @IsInt()
  @Min(0)
  @Max(LIMITS.maxAge)
  age!: number;
}

/** `pax` as it appears in request bodies: one to LIMITS.maxPax travellers. */
export function PaxList(): PropertyDecorator {
  return (target, key) => {
    ApiProperty({ type: [PaxDto], minItems: 1, maxItems: LIMITS.maxPax })(target, key);
    IsArray()(target, key);
    ArrayMinSize(1)(target, key);
    ArrayMaxSize(LIMITS.maxPax)(target, key);
    ValidateNested({ each: true })(target, key);
    Type(() => PaxDto)(target, key);
  };
}

export const toPax = (pax: PaxDto[]) =>
  pax.map((p) => ({ firstName: p.firstName, middleName: p.middleName ?? null, lastName: p.lastName, age: p.age }));
