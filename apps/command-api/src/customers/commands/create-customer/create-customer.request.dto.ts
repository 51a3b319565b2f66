import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

const NAME = /^(?=.*\S)[^\p{Cc}]*$/u;

export class CreateCustomerRequestDto {
  @ApiProperty({ example: 'ana.obrien@example.com' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'Ana' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NAME, { message: 'must contain a visible character and no control characters' })
  firstName!: string;

  @ApiPropertyOptional({ example: 'María' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  middleName?: string;

  @ApiProperty({ example: "O'Brien" })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NAME, { message: 'must contain a visible character and no control characters' })
  lastName!: string;

  @ApiPropertyOptional({ example: '+353 1 555 0100' })
  @IsOptional()
  @IsString()
  @Matches(/^\+?[0-9 ()-]{3,40}$/, { message: 'must be a phone number (digits, spaces, + ( ) -)' })
  phone?: string;
}
