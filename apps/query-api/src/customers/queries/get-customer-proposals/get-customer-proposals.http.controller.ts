import { idPipe } from '@acme/http';
import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ReadModel } from '../../../read-model.provider';

@ApiTags('customers')
@Controller('customers')
export class GetCustomerProposalsHttpController {
  constructor(private readonly readModel: ReadModel) {}

  /** The course's "proposals for customer" query. A customer without proposals has an empty list. */
  @Get(':id/proposals')
  proposals(@Param('id', idPipe) customerId: number) {
    return this.readModel.queries.customerProposals(customerId);
  }
}
