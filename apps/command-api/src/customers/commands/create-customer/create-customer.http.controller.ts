import type { CustomerSnapshot } from '@acme/contracts';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { CreateCustomerCommand } from './create-customer.command';
import { CreateCustomerRequestDto } from './create-customer.request.dto';

@ApiTags('customers')
@Controller('customers')
export class CreateCustomerHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: CreateCustomerRequestDto): Promise<CustomerSnapshot> {
    return this.commandBus.execute(
      new CreateCustomerCommand({
        email: body.email.trim(),
        firstName: body.firstName.trim(),
        middleName: body.middleName?.trim() || null,
        lastName: body.lastName.trim(),
        phone: body.phone ?? null,
      }),
    );
  }
}
