import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsCleanText } from '@acme/http';
import { IsEmail, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class CreateCustomerRequestDto {
  @ApiProperty({ example: 'ana.obrien@example.com' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'Ana' })
  @IsString()
  @IsCleanText(100, { notBlank: true })
  firstName!: string;

  @ApiPropertyOptional({ example: 'María' })
  @IsOptional()
  @IsString()
  @IsCleanText(100)
  middleName?: string;

  @ApiProperty({ example: "O'Brien" })
  @IsString()
  @IsCleanText(100, { notBlank: true })
  lastName!: string;

  @ApiPropertyOptional({ example: '+353 1 555 0100' })
  @IsOptional()
  @IsString()
  @Matches(/^\+?[0-9 ()-]{3,40}$/, { message: 'must be a phone number (digits, spaces, + ( ) -)' })
  phone?: string;
}
