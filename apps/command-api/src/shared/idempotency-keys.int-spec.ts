import { commandApiSchema, loadConfig } from '@acme/config';
import type { Pax } from '@acme/domain';
import { ProblemException } from '@acme/http';
import { createTestDatabase, testEnv, uniqueName, type TestDatabase } from '@acme/testing';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandApiModule } from '../app.module';
import { CreateProposalHttpController } from '../proposals/commands/create-proposal/create-proposal.http.controller';
import type { ChangeResult } from '../proposals/proposal-changes';
import type { ReplyStatus } from './idempotency-keys';

interface ProposalRequest {
  customerId: number;
  packageId: string;
  pax: Pax[];
}

const request = (packageId: string, customerId = 1): ProposalRequest => ({
  customerId,
  packageId,
  pax: [{ firstName: 'John', middleName: null, lastName: 'Doe', age: 40 }],
});

/** What Fastify's reply records: Nest has set the route's status (201) before the controller runs. */
class RecordedReply implements ReplyStatus {
  statusCode = 201;
  readonly headers: Record<string, string> = {};

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  header(name: string, value: string): this {
    this.headers[name] = value;
    return this;
  }
}

describe('Idempotency-Key on POST /proposals against real PostgreSQL (the command runs in the transaction that stores its response)', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let controller: CreateProposalHttpController;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The command API's own wiring (command bus, write-store port, Idempotency-Key service), without HTTP.
    const config = loadConfig(commandApiSchema, { DATABASE_URL: db.url, AMQP_URL: testEnv().amqpUrl, PUBLISH_MODE: 'outbox' });
    app = await NestFactory.createApplicationContext(CommandApiModule.forConfig(config), { logger: false });
    controller = app.get(CreateProposalHttpController);
  });

  beforeEach(async () => {
    await db.query('TRUNCATE proposal_pax, proposals, proposalevents, idempotency_keys');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const count = async (table: 'proposals' | 'proposalevents' | 'idempotency_keys') =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n);

  /** POST /proposals as Nest hands it to the controller: the validated body, the headers, the reply. */
  const post = (body: ProposalRequest, key: string | undefined, reply = new RecordedReply()): Promise<ChangeResult> =>
    controller.create(body, key, undefined, reply);

  /** Runs `act`, expects it to reject with a ProblemException, and returns it for the `then` assertions. */
  async function problemFrom(act: Promise<unknown>): Promise<ProblemException> {
    const error: unknown = await act.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    if (error instanceof ProblemException) return error;
    throw new Error('expected a ProblemException', { cause: error ?? 'the request succeeded' });
  }

  it('returns the first response (same status and body, marked as a replay) for a retry with the same key and body, and stores one proposal and one event', async () => {
    // Given a proposal created with an Idempotency-Key
    const key = uniqueName('key');
    const body = request('RETRY@HOTEL');
    const first = await post(body, key);

    // When the same request is sent again with the same key
    const reply = new RecordedReply();
    reply.statusCode = 200; // whatever the route would answer, the replay answers the stored status
    const retry = await post(body, key, reply);

    // Then the retry gets the first response back, marked as a replay
    expect(retry).toEqual(first);
    expect(reply.statusCode).toBe(201);
    expect(reply.headers).toEqual({ 'idempotent-replayed': 'true' });

    // And nothing was created twice
    expect(await count('proposals')).toBe(1);
    expect(await count('proposalevents')).toBe(1);
  });

  it('refuses the same key with a different body with 422 IDEMPOTENCY.KEY_REUSED and creates nothing more', async () => {
    // Given a proposal created with an Idempotency-Key
    const key = uniqueName('key');
    await post(request('FIRST@HOTEL'), key);

    // When the key is reused for a different request
    const problem = await problemFrom(post(request('SECOND@HOTEL'), key));

    // Then it is refused, pointing at the header
    expect(problem).toMatchObject({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
    expect(problem.fields.map((f) => f.field)).toEqual(['Idempotency-Key']);

    // And only the first proposal exists
    expect(await count('proposals')).toBe(1);
    expect(await count('proposalevents')).toBe(1);
  });

  it('creates one proposal for two parallel requests with the same key, and both get its result', async () => {
    // Given one request and its key
    const key = uniqueName('key');
    const body = request('PARALLEL@HOTEL');

    // When it is sent twice at the same time
    const replies = [new RecordedReply(), new RecordedReply()];
    const [a, b] = await Promise.all(replies.map((reply) => post(body, key, reply)));

    // Then both get the same proposal, one of them as a replay
    expect(a).toEqual(b);
    expect(replies.map((r) => r.headers['idempotent-replayed'] ?? 'false').sort()).toEqual(['false', 'true']);

    // And exactly one proposal and one event were stored
    expect(await count('proposals')).toBe(1);
    expect(await count('proposalevents')).toBe(1);
  });

  it('stores nothing, not even the key, when the command is refused (unknown customer), so a retry runs it again', async () => {
    // Given a request for a customer nobody has, with a key
    const key = uniqueName('key');

    // When it is sent
    const refused = post(request('NOBODY@HOTEL', 999_999), key);

    // Then the command's refusal comes back
    await expect(refused).rejects.toMatchObject({ code: 'CUSTOMER.NOT_FOUND' });

    // And nothing was stored, not even the Idempotency-Key
    expect(await count('proposals')).toBe(0);
    expect(await count('proposalevents')).toBe(0);
    expect(await count('idempotency_keys')).toBe(0);
  });

  it('stores neither the proposal nor its event when the response cannot be stored: the command and its response commit together', async () => {
    // Given a table of keys that refuses every insert
    await db.query(`CREATE FUNCTION reject_key_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'idempotency_keys unavailable (test trigger)'; END $$`);
    await db.query('CREATE TRIGGER reject_key_insert BEFORE INSERT ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION reject_key_insert()');
    try {
      // When a proposal is created with a key
      const creating = post(request('ATOMIC@HOTEL'), uniqueName('key'));

      // Then the request fails
      await expect(creating).rejects.toThrow('idempotency_keys unavailable (test trigger)');
    } finally {
      await db.query('DROP TRIGGER reject_key_insert ON idempotency_keys');
      await db.query('DROP FUNCTION reject_key_insert()');
    }

    // And the command's change was rolled back with it
    expect(await count('proposals')).toBe(0);
    expect(await count('proposalevents')).toBe(0);
  });

  it.each(['not a token', '', 'x'.repeat(201), 'café'])('refuses the Idempotency-Key %p with 400 VALIDATION.FAILED before running the command', async (key) => {
    // When a request carries a malformed key
    const problem = await problemFrom(post(request('BADKEY@HOTEL'), key));

    // Then it is refused, pointing at the header, and nothing ran
    expect(problem).toMatchObject({ status: 400, code: 'VALIDATION.FAILED' });
    expect(problem.fields.map((f) => f.field)).toEqual(['Idempotency-Key']);
    expect(await count('proposals')).toBe(0);
  });
});
