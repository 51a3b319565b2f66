import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

/** One field-level issue of a problem (`errors[]`). */
export class FieldIssueDto {
  @ApiProperty({ example: 'pax[0].age' })
  field!: string;

  @ApiProperty({ example: 'must not be greater than 120' })
  message!: string;
}

/** RFC 9457 problem details as every error of these APIs is answered (`application/problem+json`). */
export class ProblemDto {
  @ApiProperty({ example: 'urn:acme:problem:VALIDATION.FAILED' })
  type!: string;

  @ApiProperty({ example: 'validation failed' })
  title!: string;

  @ApiProperty({ example: 400, minimum: 400, maximum: 599 })
  status!: number;

  @ApiProperty({ description: 'stable, for clients to branch on', example: 'VALIDATION.FAILED', pattern: '^[A-Z]+(\\.[A-Z_]+)+$' })
  code!: string;

  @ApiProperty({ example: 'the request is invalid' })
  detail!: string;

  @ApiPropertyOptional({ example: '/proposals' })
  instance?: string;

  @ApiPropertyOptional({ type: [FieldIssueDto] })
  errors?: FieldIssueDto[];
}

const WHY: Record<number, string> = {
  400: 'the request is invalid (`VALIDATION.FAILED` with field-level `errors`, or malformed JSON)',
  404: 'no such resource (`PROPOSAL.NOT_FOUND`, `CUSTOMER.NOT_FOUND`, …)',
  409: 'a conflict (`PROPOSAL.VERSION_CONFLICT`: `expectedVersion` is stale)',
  413: 'the body is larger than BODY_LIMIT_BYTES',
  415: 'the body is not `application/json`',
  422: 'a business rule refused it (`PROPOSAL.INVALID_TRANSITION`, `PROPOSAL.DUPLICATE_TRAVELLER`, …), or an `Idempotency-Key` was reused with another body (`IDEMPOTENCY.KEY_REUSED`)',
  500: 'an unexpected error (`INTERNAL`)',
  503: 'a backing service is unavailable (`DEPENDENCY.UNAVAILABLE`), or the read side has not caught up (`VIEW.NOT_CAUGHT_UP`, with Retry-After): retry shortly',
};

/** Every error status an operation can answer, each with the problem+json schema. 500 and 503 always. */
export function ApiProblems(...statuses: (keyof typeof WHY)[]): MethodDecorator {
  const all = [...new Set([...statuses, 500, 503])].sort();
  return applyDecorators(
    ApiExtraModels(ProblemDto, FieldIssueDto),
    ...all.map((status) =>
      ApiResponse({ status, description: WHY[status], content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } } }),
    ),
  );
}

/** What /health answers, 200 when every check is up and 503 otherwise (same body, not a problem). */
export class HealthReportDto {
  @ApiProperty({ enum: ['ok', 'unavailable'] })
  status!: 'ok' | 'unavailable';

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string', enum: ['up', 'down'] }, example: { postgres: 'up' } })
  checks!: Record<string, 'up' | 'down'>;
}

/** A health endpoint's two answers, with `type` (a HealthReportDto with the app's own extra fields). */
export function ApiHealth(type: new () => HealthReportDto): MethodDecorator {
  return applyDecorators(
    ApiResponse({ status: 200, description: 'every check is up', type }),
    ApiResponse({ status: 503, description: 'a check is down (same body)', type }),
  );
}
