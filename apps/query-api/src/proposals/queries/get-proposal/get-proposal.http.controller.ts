import { ApiProblems, idPipe, ProblemException } from '@acme/http';
import { annotate } from '@acme/telemetry';
import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ViewStore } from '../../../view-store.provider';
import { proposalResponse } from '../../../responses';
import { GetProposalQueryDto } from './get-proposal.request.dto';
import { ProposalResponseDto } from '../../../responses.dto';

@ApiTags('proposals')
@Controller('proposals')
export class GetProposalHttpController {
  constructor(private readonly views: ViewStore) {}

  /**
   * The view is eventually consistent. A client that just wrote version N can ask for `?minVersion=N`:
   * we wait (briefly) until the projection has caught up, or answer 503 + Retry-After.
   */
  @Get(':id')
  @ApiOkResponse({ description: 'the proposal view (with ?minVersion: once it has reached that version)', type: ProposalResponseDto })
  @ApiProblems(400, 404)
  async get(
    @Param('id', idPipe) proposalId: number,
    @Query() query: GetProposalQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const started = Date.now();
    const view = query.minVersion
      ? await this.views.queries.awaitVersion(proposalId, query.minVersion, this.views.minVersionWaitMs)
      : await this.views.queries.byId(proposalId);
    if (query.minVersion) annotate({ 'acme.min_version': query.minVersion, 'acme.min_version.waited_ms': Date.now() - started, 'acme.view.version': view?.version ?? 0 });
    if (query.minVersion && (view?.version ?? 0) < query.minVersion) {
      void reply.header('retry-after', '1');
      throw new ProblemException(
        503,
        'VIEW.NOT_CAUGHT_UP',
        `the read side has not reached version ${query.minVersion} of proposal ${proposalId} yet (at ${view?.version ?? 'none'}); retry shortly`,
      );
    }
    if (!view || view.removed) {
      throw new ProblemException(404, 'PROPOSAL.NOT_FOUND', `proposal ${proposalId} ${view ? 'was removed' : 'does not exist'}`);
    }
    return proposalResponse(view);
  }
}
