import { ApiProblems, ProblemException } from '@acme/http';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ViewStore } from '../../../view-store.provider';
import { proposalResponse } from '../../../responses';
import { ListProposalsQueryDto } from './list-proposals.request.dto';
import { ProposalPageDto } from '../../../responses.dto';

const encodeCursor = (after: number): string => Buffer.from(JSON.stringify({ after })).toString('base64url');

function decodeCursor(cursor: string): number {
  try {
    const { after } = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { after?: unknown };
    if (typeof after === 'number' && Number.isInteger(after) && after > 0) return after;
  } catch {
    // fall through to the 400
  }
  throw new ProblemException(400, 'VALIDATION.FAILED', 'invalid cursor', [
    { field: 'cursor', message: 'must be a cursor returned by this API' },
  ]);
}

@ApiTags('proposals')
@Controller('proposals')
export class ListProposalsHttpController {
  constructor(private readonly views: ViewStore) {}

  @Get()
  @ApiOkResponse({ description: 'a page of proposal views, by proposal id', type: ProposalPageDto })
  @ApiProblems(400)
  async list(@Query() query: ListProposalsQueryDto) {
    const page = await this.views.queries.list({
      customerId: query.customerId,
      status: query.status,
      limit: query.limit ?? 20,
      afterProposalId: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
    });
    return {
      items: page.items.map(proposalResponse),
      nextCursor: page.nextAfter === null ? null : encodeCursor(page.nextAfter),
    };
  }
}
