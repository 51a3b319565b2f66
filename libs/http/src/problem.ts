import type { DomainErrorCode, DomainErrorKind, ErrorCode, HttpErrorCode } from '@acme/contracts';
import { HttpException, HttpStatus } from '@nestjs/common';

export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * What a business-rule error looks like to the HTTP edge (the domain's DomainError has this shape).
 * Matched structurally, so this shared lib needs no import from either side's domain.
 */
export interface CodedError extends Error {
  code: DomainErrorCode;
  kind: DomainErrorKind;
  fields: readonly FieldIssue[];
}

/** Where a domain error's kind (from the catalogue, libs/contracts error-codes.ts) meets HTTP. */
const KIND_STATUS: Record<DomainErrorKind, number> = { invalid: 422, conflict: 409, 'not-found': 404 };

function isCodedError(error: unknown): error is CodedError {
  return (
    error instanceof Error &&
    typeof (error as Partial<CodedError>).code === 'string' &&
    Object.hasOwn(KIND_STATUS, (error as Partial<CodedError>).kind ?? '') &&
    Array.isArray((error as Partial<CodedError>).fields)
  );
}

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

/**
 * A code written in the source must be one of the catalogue's (`ErrorCode`); a string known only at
 * run time passes as it is, which is how a problem answered by another app is relayed unchanged.
 */
export type CatalogueCode<C extends string> = string extends C ? string : C extends ErrorCode ? C : ErrorCode;

/** A refusal decided at the HTTP edge (bad parameters, unknown id, a dependency away) with a stable code. */
export class ProblemException<C extends string = string> extends Error {
  constructor(
    readonly status: number,
    readonly code: CatalogueCode<C>,
    detail: string,
    readonly fields: readonly FieldIssue[] = [],
  ) {
    super(detail);
    this.name = 'ProblemException';
  }
}

/** The codes of the statuses Nest and Fastify raise themselves. */
const STATUS_CODES: Partial<Record<number, HttpErrorCode>> = {
  400: 'REQUEST.INVALID',
  404: 'HTTP.NOT_FOUND',
  405: 'HTTP.METHOD_NOT_ALLOWED',
  413: 'REQUEST.TOO_LARGE',
  415: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  429: 'HTTP.TOO_MANY_REQUESTS',
};

/** The one mapping from every error to an HTTP problem. Unknown errors are a 500 with no internals. */
export function toProblem(error: unknown, instance: string): ProblemBody {
  if (isCodedError(error)) {
    return problem(KIND_STATUS[error.kind], error.code, error.message, instance, error.fields);
  }
  if (error instanceof ProblemException) {
    return problem(error.status, error.code, error.message, instance, error.fields);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message = typeof response === 'object' && 'message' in response ? String(response.message) : error.message;
    const code: HttpErrorCode = status === 400 && /JSON/i.test(message) ? 'REQUEST.INVALID_JSON' : (STATUS_CODES[status] ?? `HTTP.${status}`);
    return problem(status, code, message, instance);
  }
  if (isDependencyUnavailable(error)) {
    return problem(503, 'DEPENDENCY.UNAVAILABLE', 'a backing service is unavailable; retry shortly', instance);
  }
  return problem(500, 'INTERNAL', 'an unexpected error occurred; it has been logged', instance);
}

/** Socket errors: the server is away, or the link to it broke or went silent. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** What node-postgres says (without a code) when a connection dies, or a connect or query gets no answer in time. */
const PG_CONNECTION_MESSAGES =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error and is not queryable)$/;

/**
 * A database or broker that is down, or whose connection dropped, reset or went silent, is a 503
 * (retry later), not a 500. Matched by name, code and message: no driver imports. The cause may be
 * wrapped (TypeORM's QueryFailedError keeps the driver's error as `driverError`).
 */
export function isDependencyUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, driverError, cause } = error as { code?: unknown; driverError?: unknown; cause?: unknown };
  return (
    /^Mongo(ServerSelection|Network|NetworkTimeout|NotConnected|TopologyClosed|PoolCleared)Error$/.test(error.name) ||
    (typeof code === 'string' && (NETWORK_CODES.has(code) || /^(08|57P0[1-3]|53300)/.test(code))) || // pg: connection exception, shutdown, too many connections
    PG_CONNECTION_MESSAGES.test(error.message) ||
    (driverError !== error && isDependencyUnavailable(driverError)) ||
    (cause !== error && isDependencyUnavailable(cause))
  );
}

function problem<C extends string>(
  status: number,
  code: CatalogueCode<C>,
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
