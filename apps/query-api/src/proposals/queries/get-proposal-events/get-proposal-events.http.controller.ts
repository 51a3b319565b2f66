import { idPipe } from '@acme/http';
import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ReadModel } from '../../../read-model.provider';
import { eventResponse } from '../../../responses';

@ApiTags('proposals')
@Controller('proposals')
export class GetProposalEventsHttpController {
  constructor(private readonly readModel: ReadModel) {}

  /** The applied event history of a proposal, in version order (from `proposaleventstore`). */
  @Get(':id/events')
  async events(@Param('id', idPipe) proposalId: number) {
    const events = await this.readModel.queries.events(proposalId);
    return { proposalId, events: events.map(eventResponse) };
  }
}
