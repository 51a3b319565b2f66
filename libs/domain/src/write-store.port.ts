import type { CustomerSnapshot, ProposalEvent } from '@acme/contracts';
import type { NewCustomer } from './customer';
import type { Proposal } from './proposal';

/**
 * The write side's port: what a command needs from its store, with no database named. The adapter is
 * libs/write-persistence (PostgreSQL); command handlers get it through an injection token.
 */
export interface WriteStorePort {
  /**
   * Runs `work` in one local transaction: either all of its writes commit — the proposal change *and*
   * its outbox event — or none do. Inside a transaction that is already open (the Idempotency-Key's),
   * `work` joins it, so the command's change commits with the stored response.
   */
  inTransaction<T>(work: (store: WriteStore) => Promise<T>): Promise<T>;
}

/** Everything a command does to the write side, bound to one transaction. */
export interface WriteStore {
  customer(customerId: number): Promise<CustomerSnapshot | null>;
  insertCustomer(customer: NewCustomer): Promise<CustomerSnapshot>;
  /** The customer of a new proposal and the proposal's new id, or null when there is no such customer. */
  customerAndNewProposalId(customerId: number): Promise<{ customer: CustomerSnapshot; proposalId: number } | null>;
  load(proposalId: number): Promise<Proposal | null>;
  insert(proposal: Proposal): Promise<void>;
  /** Saves the change only if the stored proposal is still at `previousVersion`; else PROPOSAL.VERSION_CONFLICT. */
  update(proposal: Proposal, previousVersion: number, paxChanged: boolean): Promise<void>;
  /** Deletes the proposal only if it is still at `previousVersion`; else PROPOSAL.VERSION_CONFLICT. */
  delete(proposalId: number, previousVersion: number): Promise<void>;
  /** Inserts the event into the outbox in this transaction; returns its `event_id`. */
  appendToOutbox(event: ProposalEvent): Promise<number>;
  /** Runs `action` once the outermost transaction has committed (never if it rolls back). */
  afterCommit(action: () => Promise<void>): void;
  /** Serialises requests with the same Idempotency-Key until this transaction ends; the first response, if stored. */
  lockIdempotencyKey(key: string): Promise<StoredResponse | null>;
  saveIdempotentResponse(key: string, response: StoredResponse): Promise<void>;
}

/** The first response to an idempotent request, as the HTTP layer replays it. */
export interface StoredResponse {
  requestHash: string;
  status: number;
  body: unknown;
}
