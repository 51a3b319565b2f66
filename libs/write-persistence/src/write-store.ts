import type { CustomerSnapshot, ProposalEvent } from '@acme/contracts';
import { inChildSpan } from '@acme/telemetry';
import { DomainError, type Proposal } from '@acme/domain';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { CustomerRow } from './entities/customer.row';
import { IdempotencyKeyRow } from './entities/idempotency-key.row';
import { OutboxEventRow } from './entities/outbox-event.row';
import { ProposalPaxRow, ProposalRow } from './entities/proposal.row';

export const WRITE_ENTITIES = [CustomerRow, ProposalRow, ProposalPaxRow, OutboxEventRow, IdempotencyKeyRow];

export interface NewCustomer {
  email: string;
  firstName: string;
  middleName: string | null;
  lastName: string;
  phone: string | null;
}

export interface StoredResponse {
  requestHash: string;
  status: number;
  body: unknown;
}

/**
 * Everything a command does to the write side, bound to one transaction (one EntityManager).
 * A command handler gets a WriteStore from `inTransaction` and either all of its writes commit
 * — the proposal change *and* its outbox event — or none of them do.
 */
export class WriteStore {
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
    const [row] = await this.em.query<(CustomerSnapshot & { proposalId: number })[]>(
      `SELECT customer_id AS "customerId", email, first_name AS "firstName", middle_name AS "middleName",
              last_name AS "lastName", phone,
              nextval(pg_get_serial_sequence('proposals', 'proposal_id'))::int AS "proposalId"
       FROM customers WHERE customer_id = $1`,
      [customerId],
    );
    if (!row) return null;
    const { proposalId, ...customer } = row;
    return { customer, proposalId };
  }

  async load(proposalId: number): Promise<Proposal | null> {
    const row = await this.em.findOneBy(ProposalRow, { proposalId });
    if (!row) return null;
    const pax = await this.em.find(ProposalPaxRow, { where: { proposalId }, order: { position: 'ASC' } });
    return {
      proposalId: row.proposalId,
      customerId: row.customerId,
      packageId: row.packageId,
      status: row.status,
      pax: pax.map((p) => ({ firstName: p.firstName, middleName: p.middleName, lastName: p.lastName, age: p.age })),
      expiresAt: row.expiresAt,
      notes: row.notes,
      version: row.version,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  /** The proposal and its pax in one statement (one round trip; a statement is atomic on its own). */
  async insert(p: Proposal): Promise<void> {
    await this.em.query(
      `WITH proposal AS (
         INSERT INTO proposals (proposal_id, customer_id, package_id, status, expires_at, notes, version, created_date, updated_date)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         RETURNING proposal_id)
       INSERT INTO proposal_pax (proposal_id, position, first_name, middle_name, last_name, age)
       SELECT proposal.proposal_id, pax.position, pax."firstName", pax."middleName", pax."lastName", pax.age
       FROM proposal, jsonb_to_recordset($10::jsonb)
         AS pax(position smallint, "firstName" text, "middleName" text, "lastName" text, age smallint)`,
      [
        p.proposalId,
        p.customerId,
        p.packageId,
        p.status,
        p.expiresAt,
        p.notes,
        p.version,
        p.createdAt,
        p.updatedAt,
        JSON.stringify(p.pax.map((pax, position) => ({ position, ...pax }))),
      ],
    );
  }

  /**
   * Saves a changed proposal if nobody else changed it since it was loaded: the UPDATE only matches
   * the row at `previousVersion`. No match means a concurrent writer won — a 409, never a lost update.
   */
  async update(proposal: Proposal, previousVersion: number, paxChanged: boolean): Promise<void> {
    const { proposalId, ...changes } = toProposalRow(proposal);
    const result = await this.em.update(ProposalRow, { proposalId, version: previousVersion }, changes);
    if (result.affected !== 1) throw versionConflict(proposalId);
    if (paxChanged) {
      await this.em.delete(ProposalPaxRow, { proposalId });
      await this.insertPax(proposal);
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
    const result = await this.em.insert(OutboxEventRow, {
      proposalId: event.proposalId,
      eventGuid: event.eventId,
      eventType: event.type,
      aggregateVersion: event.version,
      payload: event,
      traceHeaders: event.traceparent ? { traceparent: event.traceparent } : {},
    });
    return Number((result.identifiers[0] as { eventId: string }).eventId);
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

  private async insertPax(proposal: Proposal): Promise<void> {
    await this.em.insert(
      ProposalPaxRow,
      proposal.pax.map((p, position) => ({ proposalId: proposal.proposalId, position, ...p })),
    );
  }
}

/** Runs `work` in one local transaction; database constraint violations become domain errors. */
export async function inTransaction<T>(dataSource: DataSource, work: (store: WriteStore) => Promise<T>): Promise<T> {
  try {
    // One span for the local transaction: the state change and its outbox event commit together.
    return await inChildSpan('write transaction (state + outbox event)', { 'db.system.name': 'postgresql' }, () =>
      dataSource.transaction((em) => work(new WriteStore(em))),
    );
  } catch (error) {
    throw translateConstraintViolation(error);
  }
}

const CONSTRAINT_ERRORS: Record<string, () => DomainError> = {
  proposal_pax_traveller_key: () =>
    new DomainError('PROPOSAL.DUPLICATE_TRAVELLER', 'invalid', 'the same traveller appears twice', [
      { field: 'pax', message: 'contains the same traveller (first name, last name, age) twice' },
    ]),
  customers_email_key: () =>
    new DomainError('CUSTOMER.EMAIL_TAKEN', 'conflict', 'a customer with this email already exists', [
      { field: 'email', message: 'is already registered' },
    ]),
  proposals_customer_id_fkey: () =>
    new DomainError('CUSTOMER.NOT_FOUND', 'invalid', 'unknown customer', [
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
    'conflict',
    `proposal${proposalId === undefined ? '' : ` ${proposalId}`} was changed concurrently; reload and retry`,
  );
}

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

function toProposalRow(p: Proposal): ProposalRow {
  return {
    proposalId: p.proposalId,
    customerId: p.customerId,
    packageId: p.packageId,
    status: p.status,
    expiresAt: p.expiresAt,
    notes: p.notes,
    version: p.version,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}
