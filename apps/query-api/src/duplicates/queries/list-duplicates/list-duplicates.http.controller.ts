import { ApiProblems } from '@acme/http';
import { ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Controller, Get, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ViewStore } from '../../../view-store.provider';
import { duplicateResponse } from '../../../responses';
import { DuplicatesDto } from '../../../responses.dto';

export class ListDuplicatesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

@ApiTags('duplicates')
@Controller('duplicates')
export class ListDuplicatesHttpController {
  constructor(private readonly views: ViewStore) {}

  /** Duplicate events the subscriber detected and ignored, most recent first. */
  @Get()
  @ApiOkResponse({ description: 'the duplicate deliveries the subscriber ignored', type: DuplicatesDto })
  @ApiProblems(400)
  async list(@Query() query: ListDuplicatesQueryDto) {
    const duplicates = await this.views.queries.duplicates(query.limit ?? 100);
    return { items: duplicates.map(duplicateResponse) };
  }
}
