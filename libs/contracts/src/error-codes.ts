/**
 * Every `code` an error answer (`application/problem+json`) can carry: the stable, public part of an
 * error. Clients and tests branch on these strings, so they never change once published. This is the
 * one catalogue: a code that is not listed here does not compile. Which HTTP status each code is
 * answered with is decided in one place, libs/http's `toProblem` (a domain code by its kind).
 */

/** How a broken business rule reads to a client, without naming HTTP: the filter maps it to a status. */
export type DomainErrorKind = 'invalid' | 'conflict' | 'not-found';

/** Broken business rules (thrown as `DomainError` by libs/domain and the write side), each with its kind. */
export const DOMAIN_ERROR_KINDS = {
  'PROPOSAL.NOT_FOUND': 'not-found',
  'PROPOSAL.VERSION_CONFLICT': 'conflict',
  'PROPOSAL.INVALID_TRANSITION': 'conflict',
  'PROPOSAL.NOT_EDITABLE': 'conflict',
  'PROPOSAL.EXPIRED': 'conflict',
  'PROPOSAL.INVALID_EXPIRY': 'invalid',
  'PROPOSAL.NO_PAX': 'invalid',
  'PROPOSAL.TOO_MANY_PAX': 'invalid',
  'PROPOSAL.DUPLICATE_TRAVELLER': 'invalid',
  'CUSTOMER.NOT_FOUND': 'invalid',
  'CUSTOMER.EMAIL_TAKEN': 'conflict',
} as const satisfies Record<string, DomainErrorKind>;

export type DomainErrorCode = keyof typeof DOMAIN_ERROR_KINDS;

/** Refusals decided at the HTTP edge: the request's shape or headers, the transport, a dependency. */
export const HTTP_ERROR_CODES = [
  'VALIDATION.FAILED',
  'REQUEST.INVALID',
  'REQUEST.INVALID_JSON',
  'REQUEST.TOO_LARGE',
  'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  'IDEMPOTENCY.KEY_REUSED',
  'HTTP.NOT_FOUND',
  'HTTP.METHOD_NOT_ALLOWED',
  'HTTP.TOO_MANY_REQUESTS',
  'EVENT.NOT_FOUND',
  'VIEW.NOT_CAUGHT_UP',
  'DEPENDENCY.UNAVAILABLE',
  'DEPENDENCY.FAILED',
  'INTERNAL',
] as const;

/** Any other status Nest raises itself (401, 403, …) is answered as `HTTP.<status>`. */
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number] | `HTTP.${number}`;

export type ErrorCode = DomainErrorCode | HttpErrorCode;
