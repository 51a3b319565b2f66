import { ApiProblems } from '@acme/http';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { CreateCustomerCommand } from './create-customer.command';
import { CreateCustomerRequestDto } from './create-customer.request.dto';
import { CustomerResponseDto } from './customer.response.dto';

@ApiTags('customers')
@Controller('customers')
export class CreateCustomerHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ description: 'the customer, with the id it was given', type: CustomerResponseDto })
  @ApiProblems(400, 409, 413, 415)
  create(@Body() body: CreateCustomerRequestDto): Promise<CustomerResponseDto> {
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
