import { DomainError, type FieldIssue } from '@acme/domain';
import { HttpException, HttpStatus } from '@nestjs/common';

/** RFC 9457 problem details, plus a stable `code` and field-level `errors`. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  errors?: readonly FieldIssue[];
}

/** A 4xx decided at the HTTP edge (bad parameters, unknown id) with a stable code. */
export class ProblemException extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly fields: readonly FieldIssue[] = [],
  ) {
    super(detail);
    this.name = 'ProblemException';
  }
}

const KIND_STATUS = { invalid: 422, conflict: 409, 'not-found': 404 } as const;

/** Fastify's own request errors (raised before any route handler runs). */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'REQUEST.INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'REQUEST.INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'REQUEST.TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'REQUEST.INVALID_CONTENT_LENGTH',
};

const STATUS_CODES: Record<number, string> = {
  400: 'REQUEST.INVALID',
  404: 'HTTP.NOT_FOUND',
  405: 'HTTP.METHOD_NOT_ALLOWED',
  413: 'REQUEST.TOO_LARGE',
  415: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  429: 'HTTP.TOO_MANY_REQUESTS',
};

/** The one mapping from every error to an HTTP problem. Unknown errors are a 500 with no internals. */
export function toProblem(error: unknown, instance: string): ProblemBody {
  if (error instanceof DomainError) {
    return problem(KIND_STATUS[error.kind], error.code, error.message, instance, error.fields);
  }
  if (error instanceof ProblemException) {
    return problem(error.status, error.code, error.message, instance, error.fields);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message = typeof response === 'object' && 'message' in response ? String(response.message) : error.message;
    const code = status === 400 && /JSON/i.test(message) ? 'REQUEST.INVALID_JSON' : STATUS_CODES[status];
    return problem(status, code ?? `HTTP.${status}`, message, instance);
  }
  const fastify = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    const code = (fastify.code && FASTIFY_CODES[fastify.code]) ?? STATUS_CODES[fastify.statusCode] ?? 'REQUEST.INVALID';
    return problem(fastify.statusCode, code, fastify.message ?? 'bad request', instance);
  }
  return problem(500, 'INTERNAL', 'an unexpected error occurred; it has been logged', instance);
}

function problem(
  status: number,
  code: string,
  detail: string,
  instance: string,
  errors: readonly FieldIssue[] = [],
): ProblemBody {
  return {
    type: `urn:acme:problem:${code}`,
    title: HttpStatus[status]?.replace(/_/g, ' ').toLowerCase() ?? 'error',
    status,
    code,
    detail,
    instance,
    ...(errors.length > 0 ? { errors } : {}),
  };
}
