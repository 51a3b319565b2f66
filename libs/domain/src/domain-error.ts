/**
 * A broken business rule. `code` is stable (clients and tests match on it); `kind` says which family
 * of HTTP status the one exception filter maps it to. The domain knows nothing about HTTP itself.
 */
export type DomainErrorKind = 'invalid' | 'conflict' | 'not-found';

export interface FieldIssue {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: DomainErrorKind,
    message: string,
    readonly fields: readonly FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
