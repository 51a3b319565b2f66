import { ApiProblems, idPipe } from '@acme/http';
import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ViewStore } from '../../../view-store.provider';
import { eventResponse } from '../../../responses';
import { ProposalEventsDto } from '../../../responses.dto';

@ApiTags('proposals')
@Controller('proposals')
export class GetProposalEventsHttpController {
  constructor(private readonly views: ViewStore) {}

  /** The applied event history of a proposal, in version order (from `proposaleventstore`). */
  @Get(':id/events')
  @ApiOkResponse({ description: 'the events applied to the view', type: ProposalEventsDto })
  @ApiProblems(400)
  async events(@Param('id', idPipe) proposalId: number) {
    const events = await this.views.queries.events(proposalId);
    return { proposalId, events: events.map(eventResponse) };
  }
}
