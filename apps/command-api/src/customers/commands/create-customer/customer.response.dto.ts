import type { CustomerSnapshot } from '@acme/contracts';
import { ApiProperty } from '@nestjs/swagger';

export class CustomerResponseDto implements CustomerSnapshot {
  @ApiProperty({ example: 4, minimum: 1 })
  customerId!: number;

  @ApiProperty({ example: 'ana.obrien@example.com' })
  email!: string;

  @ApiProperty({ example: 'Ana' })
  firstName!: string;

  @ApiProperty({ type: String, nullable: true, example: 'María' })
  middleName!: string | null;

  @ApiProperty({ example: "O'Brien" })
  lastName!: string;

  @ApiProperty({ type: String, nullable: true, example: '+353 1 555 0100' })
  phone!: string | null;
}
