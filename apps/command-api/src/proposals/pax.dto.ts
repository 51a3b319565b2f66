import { LIMITS } from '@acme/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsCleanText } from '@acme/http';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';

export class PaxDto {
  @ApiProperty({ example: "D'Arcy", maxLength: LIMITS.nameMaxLength })
  @IsString()
  @IsCleanText(LIMITS.nameMaxLength, { notBlank: true })
  firstName!: string;

  @ApiPropertyOptional({ type: String, example: 'Jean-Luc', nullable: true, maxLength: LIMITS.nameMaxLength })
  @IsOptional()
  @IsString()
  @IsCleanText(LIMITS.nameMaxLength)
  middleName?: string | null;

  @ApiProperty({ example: 'Ó Súilleabháin', maxLength: LIMITS.nameMaxLength })
  @IsString()
  @IsCleanText(LIMITS.nameMaxLength, { notBlank: true })
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
