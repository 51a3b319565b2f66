import { DOMAIN_ERROR_KINDS, type DomainErrorCode, type DomainErrorKind } from '@acme/contracts';

export type { DomainErrorCode, DomainErrorKind };

export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * A broken business rule. `code` comes from the one catalogue (libs/contracts, error-codes.ts), which
 * also gives its `kind`: the family of HTTP status the one exception filter maps it to. The domain
 * knows nothing about HTTP itself.
 */
export class DomainError extends Error {
  readonly kind: DomainErrorKind;

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly fields: readonly FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
    this.kind = DOMAIN_ERROR_KINDS[code];
  }
}
