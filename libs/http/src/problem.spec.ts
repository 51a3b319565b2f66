import { DOMAIN_ERROR_KINDS, HTTP_ERROR_CODES, type DomainErrorCode } from '@acme/contracts';
import type { CodedError, FieldIssue } from './problem';
import { ProblemException, toProblem } from './problem';

/** Same shape as the domain's DomainError (kind from the catalogue); the http lib recognises such errors structurally. */
class DomainError extends Error implements CodedError {
  readonly kind: CodedError['kind'];

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly fields: readonly FieldIssue[] = [],
  ) {
    super(message);
    this.kind = DOMAIN_ERROR_KINDS[code];
  }
}

const INSTANCE = '/proposals/42/status';

describe('toProblem', () => {
  it.each([
    ['PROPOSAL.DUPLICATE_TRAVELLER', 'invalid', 422],
    ['PROPOSAL.INVALID_TRANSITION', 'conflict', 409],
    ['PROPOSAL.NOT_FOUND', 'not-found', 404],
  ] as const)('maps the DomainError %s (kind %s) to HTTP %i with its stable code', (code, kind, status) => {
    // given
    const error = new DomainError(code, 'what went wrong');

    // when
    const problem = toProblem(error, INSTANCE);

    // then
    expect(error.kind).toBe(kind);
    expect(problem).toMatchObject({
      status,
      code,
      type: `urn:acme:problem:${code}`,
      detail: 'what went wrong',
      instance: INSTANCE,
    });
  });

  it('answers every domain code of the catalogue with the status clients have always seen for it', () => {
    // given every business-rule code, as clients and the e2e tests know it
    const published: Record<DomainErrorCode, number> = {
      'PROPOSAL.NOT_FOUND': 404,
      'PROPOSAL.VERSION_CONFLICT': 409,
      'PROPOSAL.INVALID_TRANSITION': 409,
      'PROPOSAL.NOT_EDITABLE': 409,
      'PROPOSAL.EXPIRED': 409,
      'PROPOSAL.INVALID_EXPIRY': 422,
      'PROPOSAL.NO_PAX': 422,
      'PROPOSAL.TOO_MANY_PAX': 422,
      'PROPOSAL.DUPLICATE_TRAVELLER': 422,
      'CUSTOMER.NOT_FOUND': 422,
      'CUSTOMER.EMAIL_TAKEN': 409,
    };

    // when each is thrown
    const answered = Object.fromEntries(
      Object.keys(DOMAIN_ERROR_KINDS).map((code) => [code, toProblem(new DomainError(code as DomainErrorCode, 'x'), INSTANCE).status]),
    );

    // then the code strings and their statuses are exactly the published ones
    expect(answered).toEqual(published);
  });

  it('keeps the HTTP codes of the catalogue exactly as published (clients match on these strings)', () => {
    // then
    expect([...HTTP_ERROR_CODES].sort()).toEqual(
      [
        'DEPENDENCY.FAILED',
        'DEPENDENCY.UNAVAILABLE',
        'EVENT.NOT_FOUND',
        'HTTP.METHOD_NOT_ALLOWED',
        'HTTP.NOT_FOUND',
        'HTTP.TOO_MANY_REQUESTS',
        'IDEMPOTENCY.KEY_REUSED',
        'INTERNAL',
        'REQUEST.INVALID',
        'REQUEST.INVALID_JSON',
        'REQUEST.TOO_LARGE',
        'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        'VALIDATION.FAILED',
        'VIEW.NOT_CAUGHT_UP',
      ].sort(),
    );
  });

  it('carries the field-level reasons of a DomainError', () => {
    // given
    const fields = [{ field: 'pax[1]', message: 'same traveller as pax[0]' }];
    const error = new DomainError('PROPOSAL.DUPLICATE_TRAVELLER', 'the same traveller appears twice', fields);

    // when
    const problem = toProblem(error, INSTANCE);

    // then
    expect(problem.errors).toEqual(fields);
  });

  it('leaves out the errors list when there are no field-level reasons', () => {
    // given
    const error = new DomainError('PROPOSAL.NOT_EDITABLE', 'final');

    // when
    const problem = toProblem(error, INSTANCE);

    // then
    expect(problem).not.toHaveProperty('errors');
  });

  it('maps a version conflict to 409 with a readable title', () => {
    // given
    const error = new DomainError('PROPOSAL.VERSION_CONFLICT', 'stale', [
      { field: 'expectedVersion', message: 'current version is 4' },
    ]);

    // when
    const problem = toProblem(error, INSTANCE);

    // then
    expect(problem).toMatchObject({ status: 409, code: 'PROPOSAL.VERSION_CONFLICT', title: 'conflict' });
  });

  it('keeps the status, code, detail and fields of a ProblemException', () => {
    // given
    const fields = [{ field: 'id', message: 'must be a positive integer' }];
    const error = new ProblemException(400, 'VALIDATION.FAILED', 'id must be a positive integer', fields);

    // when
    const problem = toProblem(error, INSTANCE);

    // then
    expect(problem).toMatchObject({
      status: 400,
      code: 'VALIDATION.FAILED',
      detail: 'id must be a positive integer',
      errors: fields,
    });
  });

  it('accepts only the catalogue\'s codes when written in the source, and relays a code known only at run time', () => {
    // given a code another app answered (the lab console passes such problems on)
    const relayed: string = JSON.parse('{"code":"PROPOSAL.NOT_FOUND"}').code;

    // when
    const passedOn = new ProblemException(404, relayed, 'command-api: proposal 1 does not exist');
    // @ts-expect-error a code that is not in the catalogue does not compile
    const typo = new ProblemException(400, 'VALIDATION.FAIL', 'x');

    // then
    expect(toProblem(passedOn, INSTANCE)).toMatchObject({ status: 404, code: 'PROPOSAL.NOT_FOUND' });
    expect(typo.code).toBe('VALIDATION.FAIL');
  });

  const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['a connection that timed out', withCode('connect ETIMEDOUT', 'ETIMEDOUT')],
    ['node-postgres: a connection that dropped', new Error('Connection terminated unexpectedly')],
    ['node-postgres: a connect that got no answer', new Error('timeout exceeded when trying to connect')],
    ['node-postgres: a query that got no answer', new Error('Query read timeout')],
    ['postgres: admin shutdown', withCode('terminating connection due to administrator command', '57P01')],
    ['postgres: connection failure (class 08)', withCode('connection failure', '08006')],
    ['TypeORM wrapping a reset', Object.assign(new Error('Query failed'), { name: 'QueryFailedError', driverError: withCode('read ECONNRESET', 'ECONNRESET') })],
    ['MongoDB: no server', Object.assign(new Error('no server'), { name: 'MongoServerSelectionError' })],
  ])('maps %s to 503 DEPENDENCY.UNAVAILABLE, not a 500', (_what, error) => {
    // when
    const problem = toProblem(error, INSTANCE);

    // then
    expect(problem).toMatchObject({ status: 503, code: 'DEPENDENCY.UNAVAILABLE' });
  });

  it('maps an unknown Error to 500 INTERNAL without leaking its message', () => {
    // given
    const error = new Error('connection to postgres://acme:secret@db:5432/acme refused');

    // when
    const problem = toProblem(error, INSTANCE);

    // then
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL', instance: INSTANCE });
    expect(problem).not.toHaveProperty('errors');
    expect(JSON.stringify(problem)).not.toMatch(/secret|postgres|refused/);
  });

  it.each([undefined, null, 'boom', 42, {}])('maps a thrown non-Error (%p) to 500 INTERNAL', (thrown) => {
    // when
    const problem = toProblem(thrown, INSTANCE);

    // then
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL' });
  });
});
