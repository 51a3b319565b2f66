import type { CodedError, FieldIssue } from './problem';

/** Same shape as the domain's DomainError; the http lib recognises such errors structurally. */
class DomainError extends Error implements CodedError {
  constructor(
    readonly code: string,
    readonly kind: CodedError['kind'],
    message: string,
    readonly fields: readonly FieldIssue[] = [],
  ) {
    super(message);
  }
}
import { ProblemException, toProblem } from './problem';

const INSTANCE = '/proposals/42/status';

describe('toProblem', () => {
  it.each([
    ['invalid', 422],
    ['conflict', 409],
    ['not-found', 404],
  ] as const)('maps a DomainError of kind %s to HTTP %i with its stable code', (kind, status) => {
    // given
    const error = new DomainError('PROPOSAL.SOMETHING', kind, 'what went wrong');

    // when
    const problem = toProblem(error, INSTANCE);

    // then
    expect(problem).toMatchObject({
      status,
      code: 'PROPOSAL.SOMETHING',
      type: 'urn:acme:problem:PROPOSAL.SOMETHING',
      detail: 'what went wrong',
      instance: INSTANCE,
    });
  });

  it('carries the field-level reasons of a DomainError', () => {
    // given
    const fields = [{ field: 'pax[1]', message: 'same traveller as pax[0]' }];
    const error = new DomainError('PROPOSAL.DUPLICATE_TRAVELLER', 'invalid', 'the same traveller appears twice', fields);

    // when
    const problem = toProblem(error, INSTANCE);

    // then
    expect(problem.errors).toEqual(fields);
  });

  it('leaves out the errors list when there are no field-level reasons', () => {
    // given
    const error = new DomainError('PROPOSAL.NOT_EDITABLE', 'conflict', 'final');

    // when
    const problem = toProblem(error, INSTANCE);

    // then
    expect(problem).not.toHaveProperty('errors');
  });

  it('maps a version conflict to 409 with a readable title', () => {
    // given
    const error = new DomainError('PROPOSAL.VERSION_CONFLICT', 'conflict', 'stale', [
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
    const error = new ProblemException(400, 'REQUEST.INVALID_ID', 'id must be a positive integer', fields);

    // when
    const problem = toProblem(error, INSTANCE);

    // then
    expect(problem).toMatchObject({
      status: 400,
      code: 'REQUEST.INVALID_ID',
      detail: 'id must be a positive integer',
      errors: fields,
    });
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
