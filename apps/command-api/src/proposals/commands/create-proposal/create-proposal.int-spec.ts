import type { CommandApiConfig } from '@acme/config';
import { proposalEventSchema, type ProposalEvent } from '@acme/contracts';
import { DomainError, type Pax } from '@acme/domain';
import { createTestDatabase, testEnv, type TestDatabase } from '@acme/testing';
import { PostgresTransactions, WRITE_ENTITIES, type OutboxRecord } from '@acme/write-persistence';
import { DataSource } from 'typeorm';
import { Clock } from '../../../shared/clock';
import { EventPublication } from '../../event-publication';
import { ProposalChanges, type ChangeResult } from '../../proposal-changes';
import { ChangeStatusCommand } from '../change-status/change-status.command';
import { ChangeStatusHandler } from '../change-status/change-status.handler';
import { RemoveProposalCommand } from '../remove-proposal/remove-proposal.command';
import { RemoveProposalHandler } from '../remove-proposal/remove-proposal.handler';
import { ReplacePaxCommand } from '../replace-pax/replace-pax.command';
import { ReplacePaxHandler } from '../replace-pax/replace-pax.handler';
import { CreateProposalCommand } from './create-proposal.command';
import { CreateProposalHandler } from './create-proposal.handler';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const NOW = new Date('2030-01-10T12:00:00.000Z');
const RACE_ROUNDS = 10;

/** Time is passed in: every event of this file occurs at NOW. */
class FixedClock extends Clock {
  now(): Date {
    return NOW;
  }
}

interface ProposalRequest {
  customerId: number;
  packageId: string;
  pax: Pax[];
  expiresInDays?: number;
  notes?: string;
}

const traveller = (firstName: string, lastName = 'Doe', age = 40): Pax => ({ firstName, middleName: null, lastName, age });

const request = (overrides: Partial<ProposalRequest> = {}): ProposalRequest => ({
  customerId: 1,
  packageId: 'BAHAMA5NIGHT@COCOCLUB',
  pax: [traveller('John')],
  ...overrides,
});

/** The command the HTTP controller would send. */
const createCommand = (body: ProposalRequest): CreateProposalCommand =>
  new CreateProposalCommand(body.customerId, body.packageId, body.pax, body.expiresInDays, body.notes, TRACEPARENT);

/** Runs `act`, expects it to reject with a DomainError, and returns it for the `then` assertions. */
async function domainErrorFrom(act: Promise<unknown>): Promise<DomainError> {
  const error: unknown = await act.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (error instanceof DomainError) return error;
  throw new Error('expected a DomainError', { cause: error ?? 'the command succeeded' });
}

describe('proposal commands against real PostgreSQL (transactional outbox)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let createProposal: CreateProposalHandler;
  let replacePax: ReplacePaxHandler;
  let changeStatus: ChangeStatusHandler;
  let removeProposal: RemoveProposalHandler;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource({ type: 'postgres', url: db.url, entities: WRITE_ENTITIES });
    await dataSource.initialize();
    const clock = new FixedClock();
    const config = {
      DATABASE_URL: db.url,
      AMQP_URL: testEnv().amqpUrl,
      PUBLISH_MODE: 'outbox',
    } as CommandApiConfig;
    const events = new EventPublication(config);
    const writes = new PostgresTransactions(dataSource);
    const changes = new ProposalChanges(writes, clock, events);
    createProposal = new CreateProposalHandler(writes, clock, events);
    replacePax = new ReplacePaxHandler(changes);
    changeStatus = new ChangeStatusHandler(changes);
    removeProposal = new RemoveProposalHandler(changes);
  });

  beforeEach(async () => {
    await db.query('TRUNCATE proposal_pax, proposals, proposalevents');
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const count = async (table: 'proposals' | 'proposal_pax' | 'proposalevents') =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n);

  const outboxRows = (proposalId: number) =>
    db.query<OutboxRecord>('SELECT * FROM proposalevents WHERE proposal_id = $1 ORDER BY event_id', [proposalId]);

  const storedVersion = async (proposalId: number) =>
    (await db.query<{ version: number }>('SELECT version FROM proposals WHERE proposal_id = $1', [proposalId]))[0]?.version;

  /** Makes every INSERT into the outbox fail (a trigger); returns the function that removes it. */
  async function rejectOutboxInserts(): Promise<() => Promise<void>> {
    await db.query(`
      CREATE FUNCTION reject_outbox_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'outbox unavailable (test trigger)';
      END
      $$`);
    await db.query(
      'CREATE TRIGGER reject_outbox_insert BEFORE INSERT ON proposalevents FOR EACH ROW EXECUTE FUNCTION reject_outbox_insert()',
    );
    return async () => {
      await db.query('DROP TRIGGER reject_outbox_insert ON proposalevents');
      await db.query('DROP FUNCTION reject_outbox_insert()');
    };
  }

  /** A stored proposal at version 1, made through the real handler. */
  async function givenProposal(overrides: Partial<ProposalRequest> = {}): Promise<ChangeResult> {
    return createProposal.execute(createCommand(request(overrides)));
  }

  describe('create', () => {
    it('stores neither the proposal nor its pax when the outbox insert fails: the change and its event commit together or not at all', async () => {
      // Given an outbox that refuses every insert
      const restoreOutbox = await rejectOutboxInserts();
      try {
        // When a proposal with two travellers is created
        const creating = createProposal.execute(createCommand(request({ pax: [traveller('Ana'), traveller('Ben')] })));

        // Then the command fails
        await expect(creating).rejects.toThrow('outbox unavailable (test trigger)');
      } finally {
        await restoreOutbox();
      }

      // And nothing of it was stored
      expect(await count('proposals')).toBe(0);
      expect(await count('proposal_pax')).toBe(0);
      expect(await count('proposalevents')).toBe(0);
    });

    it('stores the proposal, its travellers in order and exactly one unprocessed contract event at version 1', async () => {
      // Given a request with three travellers
      const body = request({
        pax: [traveller('Zoë', 'Ñandú', 5), { firstName: 'Ana', middleName: 'María', lastName: "O'Brien", age: 34 }, traveller('Ben', 'Smith-Jones', 71)],
        notes: 'sea view, "quiet" room',
      });

      // When it is created
      const result = await createProposal.execute(createCommand(body));

      // Then the proposal is stored ON_HOLD at version 1
      const { proposalId, eventId, outboxEventId } = result;
      expect(result).toMatchObject({ version: 1 });
      const [proposal] = await db.query('SELECT * FROM proposals WHERE proposal_id = $1', [proposalId]);
      expect(proposal).toMatchObject({ customer_id: 1, package_id: 'BAHAMA5NIGHT@COCOCLUB', status: 'ON_HOLD', version: 1 });

      // And its travellers are rows, positions in the order given
      const pax = await db.query(
        'SELECT position, first_name, middle_name, last_name, age FROM proposal_pax WHERE proposal_id = $1 ORDER BY position',
        [proposalId],
      );
      expect(pax).toEqual(
        body.pax.map((p, position) => ({ position, first_name: p.firstName, middle_name: p.middleName, last_name: p.lastName, age: p.age })),
      );

      // And exactly one outbox row carries a valid contract event for it
      const rows = await outboxRows(proposalId);
      expect(rows).toHaveLength(1);
      const [row] = rows;
      expect(row).toMatchObject({
        event_id: String(outboxEventId),
        event_guid: eventId,
        event_type: 'proposal.created',
        aggregate_version: 1,
        processed: false,
      });
      const event: ProposalEvent = proposalEventSchema.parse(row?.payload);
      expect(event).toMatchObject({ eventId, version: 1, proposalId, action: 'created', traceparent: TRACEPARENT });
      expect(event.occurredAt).toBe(NOW.toISOString());
      expect(event.proposal.pax).toEqual(body.pax);
      expect(event.proposal.customer).toMatchObject({ customerId: 1, firstName: 'John', lastName: 'Doe' });
    });

    it('refuses an unknown customer with CUSTOMER.NOT_FOUND and writes nothing', async () => {
      // Given a customer id nobody has
      const body = request({ customerId: 999_999 });

      // When a proposal is created for it
      const error = await domainErrorFrom(createProposal.execute(createCommand(body)));

      // Then it is refused on the customerId field
      expect(error.code).toBe('CUSTOMER.NOT_FOUND');
      expect(error.fields.map((f) => f.field)).toEqual(['customerId']);

      // And nothing was stored
      expect(await count('proposals')).toBe(0);
      expect(await count('proposal_pax')).toBe(0);
      expect(await count('proposalevents')).toBe(0);
    });
  });

  describe('changes', () => {
    const changes = [
      {
        change: 'replacing the pax',
        eventType: 'proposal.updated',
        act: (proposalId: number) =>
          replacePax.execute(new ReplacePaxCommand(proposalId, [traveller('Jane'), traveller('Jim', 'Doe', 6)], 1, TRACEPARENT)),
      },
      {
        change: 'changing the status',
        eventType: 'proposal.updated',
        act: (proposalId: number) =>
          changeStatus.execute(new ChangeStatusCommand(proposalId, 'AWAITING_CONFIRMATION', 1, TRACEPARENT)),
      },
      {
        change: 'removing the proposal',
        eventType: 'proposal.removed',
        act: (proposalId: number) => removeProposal.execute(new RemoveProposalCommand(proposalId, 1, TRACEPARENT)),
      },
    ];

    it.each(changes)(
      '$change bumps the version to 2 and appends exactly one $eventType outbox row at aggregate version 2',
      async ({ act, eventType }) => {
        // Given a proposal at version 1 with its created event
        const { proposalId } = await givenProposal();

        // When it is changed
        const result = await act(proposalId);

        // Then the change is at version 2
        expect(result).toMatchObject({ proposalId, version: 2 });

        // And exactly one more outbox row holds its event, at the next aggregate version
        const rows = await outboxRows(proposalId);
        expect(rows.map((r) => [r.event_type, r.aggregate_version])).toEqual([
          ['proposal.created', 1],
          [eventType, 2],
        ]);
        const last = rows[1];
        expect(last).toMatchObject({ event_guid: result.eventId, event_id: String(result.outboxEventId), processed: false });
        expect(proposalEventSchema.parse(last?.payload)).toMatchObject({ type: eventType, version: 2, proposalId });
      },
    );

    it.each(changes.slice(0, 2))('$change leaves the stored proposal at version 2', async ({ act }) => {
      // Given a proposal at version 1
      const { proposalId } = await givenProposal();

      // When it is changed
      await act(proposalId);

      // Then the row itself moved on to version 2
      expect(await storedVersion(proposalId)).toBe(2);
    });

    it('removing the proposal deletes it and its pax rows but keeps its event history in the outbox', async () => {
      // Given a proposal with two travellers
      const { proposalId } = await givenProposal({ pax: [traveller('Ana'), traveller('Ben')] });

      // When it is removed
      await removeProposal.execute(new RemoveProposalCommand(proposalId, undefined, TRACEPARENT));

      // Then the proposal and its pax are gone, and both events remain for the relay
      expect(await storedVersion(proposalId)).toBeUndefined();
      expect(await count('proposal_pax')).toBe(0);
      expect((await outboxRows(proposalId)).map((r) => r.event_type)).toEqual(['proposal.created', 'proposal.removed']);
    });

    it('replacing the pax stores the new travellers in their new order', async () => {
      // Given a proposal with two travellers
      const { proposalId } = await givenProposal({ pax: [traveller('Ana'), traveller('Ben')] });

      // When they are replaced by three others
      await replacePax.execute(
        new ReplacePaxCommand(proposalId, [traveller('Cy'), traveller('Di'), traveller('Ed')], undefined, TRACEPARENT),
      );

      // Then exactly the new travellers are stored, in the order given
      const pax = await db.query<{ position: number; first_name: string }>(
        'SELECT position, first_name FROM proposal_pax WHERE proposal_id = $1 ORDER BY position',
        [proposalId],
      );
      expect(pax).toEqual([
        { position: 0, first_name: 'Cy' },
        { position: 1, first_name: 'Di' },
        { position: 2, first_name: 'Ed' },
      ]);
    });

    it('stores neither the change nor its event when the outbox insert fails: the proposal keeps its version and pax', async () => {
      // Given a proposal at version 1 and an outbox that refuses every insert from now on
      const { proposalId } = await givenProposal({ pax: [traveller('Ana')] });
      const restoreOutbox = await rejectOutboxInserts();
      try {
        // When its travellers are replaced
        const replacing = replacePax.execute(new ReplacePaxCommand(proposalId, [traveller('Zed')], 1, TRACEPARENT));

        // Then the command fails
        await expect(replacing).rejects.toThrow('outbox unavailable (test trigger)');
      } finally {
        await restoreOutbox();
      }

      // And the proposal is exactly as before
      expect(await storedVersion(proposalId)).toBe(1);
      expect(await db.query('SELECT first_name FROM proposal_pax WHERE proposal_id = $1', [proposalId])).toEqual([
        { first_name: 'Ana' },
      ]);
      expect(await outboxRows(proposalId)).toHaveLength(1);
    });
  });

  describe('optimistic concurrency', () => {
    const racers = [
      {
        command: 'ChangeStatus',
        race: (proposalId: number) => [
          changeStatus.execute(new ChangeStatusCommand(proposalId, 'AWAITING_CONFIRMATION', 1, TRACEPARENT)),
          changeStatus.execute(new ChangeStatusCommand(proposalId, 'REJECTED', 1, TRACEPARENT)),
        ],
      },
      {
        command: 'ReplacePax',
        race: (proposalId: number) => [
          replacePax.execute(new ReplacePaxCommand(proposalId, [traveller('Jane')], 1, TRACEPARENT)),
          replacePax.execute(new ReplacePaxCommand(proposalId, [traveller('Jim')], 1, TRACEPARENT)),
        ],
      },
    ];

    it.each(racers)(
      `two parallel $command commands expecting the same version: exactly one wins, the other gets PROPOSAL.VERSION_CONFLICT, no lost update (${RACE_ROUNDS} rounds)`,
      async ({ race }) => {
        for (let round = 1; round <= RACE_ROUNDS; round++) {
          // Given a proposal at version 1
          const { proposalId } = await givenProposal();

          // When two clients that both read version 1 change it at the same time
          const outcomes = await Promise.allSettled(race(proposalId));

          // Then exactly one succeeds and the other is told it lost the race
          const won = outcomes.filter((o) => o.status === 'fulfilled');
          const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
          expect({ round, won: won.length, lost: lost.length }).toEqual({ round, won: 1, lost: 1 });
          expect(lost[0]?.reason).toBeInstanceOf(DomainError);
          expect(lost[0]?.reason).toMatchObject({ code: 'PROPOSAL.VERSION_CONFLICT' });

          // And the proposal moved on by exactly one version, with exactly one new event
          expect(await storedVersion(proposalId)).toBe(2);
          expect((await outboxRows(proposalId)).map((r) => r.aggregate_version)).toEqual([1, 2]);
        }
      },
    );

    it(`two parallel changes without an expected version both apply, one after the other, at versions 2 and 3 (${RACE_ROUNDS} rounds)`, async () => {
      for (let round = 1; round <= RACE_ROUNDS; round++) {
        // Given a proposal at version 1
        const { proposalId } = await givenProposal({ pax: [traveller('Ana')] });

        // When its pax and its status are changed at the same time by clients that want "the latest"
        const outcomes = await Promise.allSettled([
          replacePax.execute(new ReplacePaxCommand(proposalId, [traveller('Jane'), traveller('Jim')], undefined, TRACEPARENT)),
          changeStatus.execute(new ChangeStatusCommand(proposalId, 'AWAITING_CONFIRMATION', undefined, TRACEPARENT)),
        ]);

        // Then both succeed, at different versions
        expect({ round, outcomes: outcomes.map((o) => o.status) }).toEqual({ round, outcomes: ['fulfilled', 'fulfilled'] });
        const versions = outcomes.map((o) => (o.status === 'fulfilled' ? o.value.version : 0));
        expect([...versions].sort()).toEqual([2, 3]);

        // And neither update is lost: the proposal has both changes, and one event for each
        expect(await storedVersion(proposalId)).toBe(3);
        const [proposal] = await db.query<{ status: string }>('SELECT status FROM proposals WHERE proposal_id = $1', [proposalId]);
        expect(proposal?.status).toBe('AWAITING_CONFIRMATION');
        const pax = await db.query<{ first_name: string }>(
          'SELECT first_name FROM proposal_pax WHERE proposal_id = $1 ORDER BY position',
          [proposalId],
        );
        expect(pax.map((p) => p.first_name)).toEqual(['Jane', 'Jim']);
        const rows = await outboxRows(proposalId);
        expect(rows.map((r) => r.aggregate_version)).toEqual([1, 2, 3]);
        const last = proposalEventSchema.parse(rows[2]?.payload);
        expect(last.proposal).toMatchObject({ status: 'AWAITING_CONFIRMATION', pax: [traveller('Jane'), traveller('Jim')] });
      }
    });
  });
});
