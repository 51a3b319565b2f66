import { ApiProblems, idPipe } from '@acme/http';
import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ViewStore } from '../../../view-store.provider';
import { CustomerProposalsDto } from '../../../responses.dto';

@ApiTags('customers')
@Controller('customers')
export class GetCustomerProposalsHttpController {
  constructor(private readonly views: ViewStore) {}

  /** The course's "proposals for customer" query. A customer without proposals has an empty list. */
  @Get(':id/proposals')
  @ApiOkResponse({ description: "the customer's proposals, counted by status", type: CustomerProposalsDto })
  @ApiProblems(400)
  proposals(@Param('id', idPipe) customerId: number) {
    return this.views.queries.customerProposals(customerId);
  }
}
