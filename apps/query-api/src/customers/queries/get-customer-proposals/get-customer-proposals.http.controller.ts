import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { idPipe } from '../../../id.pipe';
import { ReadModel } from '../../../read-model.provider';
import { customerProposalsResponse } from '../../../responses';

@ApiTags('customers')
@Controller('customers')
export class GetCustomerProposalsHttpController {
  constructor(private readonly readModel: ReadModel) {}

  /** The course's "proposals for customer" query. A customer without proposals has an empty list. */
  @Get(':id/proposals')
  async proposals(@Param('id', idPipe) customerId: number) {
    const view = await this.readModel.queries.customerProposals(customerId);
    return view
      ? customerProposalsResponse(view)
      : { customerId, customerName: null, proposalCount: 0, countByStatus: {}, proposals: [] };
  }
}
