import type { CustomerSnapshot, ProposalEvent } from '@acme/contracts';
import { DomainError, type NewCustomer, type Pax, type Proposal, type StoredResponse, type WriteStore, type WriteStorePort } from '@acme/domain';
import { inChildSpan } from '@acme/telemetry';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { CustomerRow } from './entities/customer.row';
import { IdempotencyKeyRow } from './entities/idempotency-key.row';
import { ProposalPaxRow, ProposalRow } from './entities/proposal.row';
import type { NewOutboxRecord } from './outbox-table';

export const WRITE_ENTITIES = [CustomerRow, ProposalRow, ProposalPaxRow, IdempotencyKeyRow];

/**
 * The write side's port (libs/domain, WriteStorePort) on PostgreSQL: one local transaction per
 * `inTransaction`, constraint violations turned into domain errors.
 */
export class PostgresTransactions implements WriteStorePort {
  /** The transaction open in this async context (this request's), if any. */
  private readonly open = new AsyncLocalStorage<PostgresWriteStore>();

  constructor(private readonly dataSource: DataSource) {}

  async inTransaction<T>(work: (store: WriteStore) => Promise<T>): Promise<T> {
    try {
      // Already inside a transaction (the Idempotency-Key's): join it, so everything commits together.
      const joined = this.open.getStore();
      if (joined) return await work(joined);

      // One span for the local transaction: the state change and its outbox event commit together.
      const { result, committed } = await inChildSpan('write transaction (state + outbox event)', { 'db.system.name': 'postgresql' }, () =>
        this.dataSource.transaction(async (em) => {
          const store = new PostgresWriteStore(em);
          return { result: await this.open.run(store, () => work(store)), committed: store.committed };
        }),
      );
      for (const action of committed) await action();
      return result;
    } catch (error) {
      throw translateConstraintViolation(error);
    }
  }
}

/** One transaction's reads and writes (one EntityManager). */
class PostgresWriteStore implements WriteStore {
  readonly committed: (() => Promise<void>)[] = [];

  constructor(private readonly em: EntityManager) {}

  async customer(customerId: number): Promise<CustomerSnapshot | null> {
    const row = await this.em.findOneBy(CustomerRow, { customerId });
    return row ? toCustomerSnapshot(row) : null;
  }

  async insertCustomer(customer: NewCustomer): Promise<CustomerSnapshot> {
    const row = this.em.create(CustomerRow, customer);
    await this.em.insert(CustomerRow, row);
    return toCustomerSnapshot(row);
  }

  /**
   * The customer of a new proposal and the proposal's id, in one round trip. Ids come from the identity
   * sequence, so the domain can decide a complete proposal; no customer, no id taken.
   */
  async customerAndNewProposalId(customerId: number): Promise<{ customer: CustomerSnapshot; proposalId: number } | null> {
    const { entities, raw } = await this.em
      .createQueryBuilder(CustomerRow, 'customer')
      .addSelect(`nextval(pg_get_serial_sequence('proposals', 'proposal_id'))::int`, 'new_proposal_id')
      .where('customer.customerId = :customerId', { customerId })
      .getRawAndEntities<{ new_proposal_id: number }>();
    const [row] = entities;
    const [ids] = raw;
    return row && ids ? { customer: toCustomerSnapshot(row), proposalId: ids.new_proposal_id } : null;
  }

  async load(proposalId: number): Promise<Proposal | null> {
    const row = await this.em.findOneBy(ProposalRow, { proposalId });
    if (!row) return null;
    const pax = await this.em.find(ProposalPaxRow, { where: { proposalId }, order: { position: 'ASC' } });
    return {
      ...row,
      pax: pax.map((p) => ({ firstName: p.firstName, middleName: p.middleName, lastName: p.lastName, age: p.age })),
    };
  }

  /** The proposal and its pax in one statement (one round trip; a statement is atomic on its own). */
  async insert(p: Proposal): Promise<void> {
    await this.em.query(
      `WITH proposal AS (
         INSERT INTO proposals (proposal_id, customer_id, package_id, status, expires_at, notes, version, created_date, updated_date)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         RETURNING proposal_id)
       ${INSERT_PAX('$10')}`,
      [p.proposalId, p.customerId, p.packageId, p.status, p.expiresAt, p.notes, p.version, p.createdAt, p.updatedAt, paxParameter(p.pax)],
    );
  }

  /**
   * Saves a changed proposal if nobody else changed it since it was loaded: the UPDATE only matches
   * the row at `previousVersion`. No match means a concurrent writer won — a 409, never a lost update.
   */
  async update(proposal: Proposal, previousVersion: number, paxChanged: boolean): Promise<void> {
    const { proposalId, pax, ...changes } = proposal;
    const result = await this.em.update(ProposalRow, { proposalId, version: previousVersion }, changes);
    if (result.affected !== 1) throw versionConflict(proposalId);
    if (paxChanged) {
      await this.em.query('DELETE FROM proposal_pax WHERE proposal_id = $1', [proposalId]);
      await this.em.query(`WITH proposal AS (SELECT $1::integer AS proposal_id) ${INSERT_PAX('$2')}`, [proposalId, paxParameter(pax)]);
    }
  }

  async delete(proposalId: number, previousVersion: number): Promise<void> {
    const result = await this.em.delete(ProposalRow, { proposalId, version: previousVersion });
    if (result.affected !== 1) throw versionConflict(proposalId);
  }

  /**
   * THE OUTBOX INSERT. The event row is written by the same transaction as the proposal change, so
   * both commit or neither does. Publishing is somebody else's job (apps/event-processor), after commit.
   */
  async appendToOutbox(event: ProposalEvent): Promise<number> {
    const row: NewOutboxRecord = {
      proposal_id: event.proposalId,
      event_guid: event.eventId,
      event_type: event.type,
      aggregate_version: event.version,
      payload: event,
      trace_headers: event.traceparent ? { traceparent: event.traceparent } : {},
    };
    const columns = Object.keys(row);
    const [inserted] = await this.em.query<{ event_id: string }[]>(
      `INSERT INTO proposalevents (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING event_id`,
      Object.values(row),
    );
    return Number(inserted?.event_id);
  }

  afterCommit(action: () => Promise<void>): void {
    this.committed.push(action);
  }

  /** Serialises requests that carry the same Idempotency-Key until this transaction ends. */
  async lockIdempotencyKey(key: string): Promise<StoredResponse | null> {
    await this.em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`idempotency:${key}`]);
    const row = await this.em.findOneBy(IdempotencyKeyRow, { key });
    return row ? { requestHash: row.requestHash, status: row.responseStatus, body: row.responseBody } : null;
  }

  async saveIdempotentResponse(key: string, response: StoredResponse): Promise<void> {
    await this.em.insert(IdempotencyKeyRow, {
      key,
      requestHash: response.requestHash,
      responseStatus: response.status,
      responseBody: response.body as object,
    });
  }
}

/**
 * The one way pax are written: the travellers go as one jsonb array (`paxParameter`), unpacked into
 * rows in the order given, for the proposal in the statement's `proposal` CTE.
 */
const INSERT_PAX = (paxParam: string) => `
  INSERT INTO proposal_pax (proposal_id, position, first_name, middle_name, last_name, age)
  SELECT proposal.proposal_id, pax.position, pax."firstName", pax."middleName", pax."lastName", pax.age
  FROM proposal, jsonb_to_recordset(${paxParam}::jsonb)
    AS pax(position smallint, "firstName" text, "middleName" text, "lastName" text, age smallint)`;

const paxParameter = (pax: readonly Pax[]): string => JSON.stringify(pax.map((p, position) => ({ position, ...p })));

const CONSTRAINT_ERRORS: Record<string, () => DomainError> = {
  proposal_pax_traveller_key: () =>
    new DomainError('PROPOSAL.DUPLICATE_TRAVELLER', 'the same traveller appears twice', [
      { field: 'pax', message: 'contains the same traveller (first name, last name, age) twice' },
    ]),
  customers_email_key: () =>
    new DomainError('CUSTOMER.EMAIL_TAKEN', 'a customer with this email already exists', [
      { field: 'email', message: 'is already registered' },
    ]),
  proposals_customer_id_fkey: () =>
    new DomainError('CUSTOMER.NOT_FOUND', 'unknown customer', [
      { field: 'customerId', message: 'no customer with this id' },
    ]),
};

function translateConstraintViolation(error: unknown): unknown {
  if (error instanceof QueryFailedError) {
    const { constraint } = error.driverError as { constraint?: string };
    if (constraint === 'proposalevents_version_key') return versionConflict(undefined);
    const make = constraint ? CONSTRAINT_ERRORS[constraint] : undefined;
    if (make) return make();
  }
  return error;
}

function versionConflict(proposalId: number | undefined): DomainError {
  return new DomainError(
    'PROPOSAL.VERSION_CONFLICT',
    `proposal${proposalId === undefined ? '' : ` ${proposalId}`} was changed concurrently; reload and retry`,
  );
}

/** The customers table's one mapping to the contract's customer: CustomerRow (columns) to CustomerSnapshot. */
function toCustomerSnapshot(row: CustomerRow): CustomerSnapshot {
  return {
    customerId: row.customerId,
    email: row.email,
    firstName: row.firstName,
    middleName: row.middleName,
    lastName: row.lastName,
    phone: row.phone,
  };
}
