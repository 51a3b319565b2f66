import {
  MongoBulkWriteError,
  MongoClient,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Collection,
  type Db,
  type OptionalUnlessRequiredId,
} from 'mongodb';
import { COLLECTIONS, type CustomerProposalEntry, type DuplicateEvent, type ProposalView, type StoredEvent } from './views';

export interface ReadModelCollections {
  proposals: Collection<ProposalView>;
  customerProposals: Collection<CustomerProposalEntry>;
  eventStore: Collection<StoredEvent>;
  duplicates: Collection<DuplicateEvent>;
}

export function collectionsOf(db: Db): ReadModelCollections {
  return {
    proposals: db.collection<ProposalView>(COLLECTIONS.proposals),
    customerProposals: db.collection<CustomerProposalEntry>(COLLECTIONS.customerProposals),
    eventStore: db.collection<StoredEvent>(COLLECTIONS.eventStore),
    duplicates: db.collection<DuplicateEvent>(COLLECTIONS.duplicates),
  };
}

/**
 * A client that survives MongoDB restarts: the driver reconnects by itself; operations fail fast
 * (server selection timeout) while it is away, and the caller retries later.
 */
/**
 * The read side's client. `socketTimeoutMs` bounds every operation on a link that went silent (no FIN,
 * no RST): without it an in-flight write waits forever, as the driver's default socket timeout is none.
 */
export function createMongoClient(url: string, socketTimeoutMs = 10_000): MongoClient {
  return new MongoClient(url, {
    serverSelectionTimeoutMS: 3_000,
    connectTimeoutMS: 3_000,
    socketTimeoutMS: socketTimeoutMs,
    maxPoolSize: 20,
    appName: 'acme-proposals',
  });
}

/**
 * Connects `client`, retrying every `retryMs` until MongoDB answers (or `signal` aborts); resolves
 * true once connected. Call it at start rather than relying on connect-on-first-use: when the
 * driver's first connect fails (MongoDB down at start) it closes its topology but keeps it, and every
 * later operation fails with MongoTopologyClosedError even once MongoDB is up (mongodb 6.x and 7.x).
 * Closing the client and connecting it again is the driver's public way out. Until then operations
 * fail fast with MongoNotConnectedError, a dependency fault like any other.
 */
export async function connectWhenMongoAnswers(
  client: MongoClient,
  options: { retryMs?: number; onRetry: (error: Error) => void; signal?: AbortSignal },
): Promise<boolean> {
  const { retryMs = 2_000, onRetry, signal } = options;
  while (!signal?.aborted) {
    try {
      await client.connect();
      return true;
    } catch (error) {
      onRetry(error as Error);
      await client.close().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, retryMs).unref());
    }
  }
  return false;
}

/** Idempotent. The unique index on the event id is what makes duplicate detection work. */
export async function ensureIndexes(db: Db): Promise<void> {
  const c = collectionsOf(db);
  await c.eventStore.createIndex({ eventId: 1 }, { unique: true, name: 'eventId_unique' });
  await c.eventStore.createIndex({ proposalId: 1, version: 1 }, { name: 'proposal_version' });
  await c.proposals.createIndex({ customerId: 1, _id: 1 }, { name: 'customer_id' });
  await c.customerProposals.createIndex({ customerId: 1, _id: 1 }, { name: 'customer_id' });
  await c.proposals.createIndex({ status: 1, _id: 1 }, { name: 'status_id' });
  await c.duplicates.createIndex({ lastSeenAt: -1 }, { name: 'lastSeenAt' });
}

export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}

/**
 * Inserts many documents in one round trip (unordered: each stands alone) and returns the positions of
 * those whose `_id` already existed. Any other failure is thrown.
 */
export async function insertNew<T extends { _id: unknown }>(collection: Collection<T>, docs: T[]): Promise<Set<number>> {
  if (docs.length === 0) return new Set();
  try {
    await collection.insertMany(docs as OptionalUnlessRequiredId<T>[], { ordered: false });
    return new Set();
  } catch (error) {
    if (error instanceof MongoBulkWriteError) {
      const writeErrors = [error.writeErrors].flat();
      if (writeErrors.length > 0 && writeErrors.every((e) => e.code === 11000)) return new Set(writeErrors.map((e) => e.index));
    }
    if (docs.length === 1 && isDuplicateKeyError(error)) return new Set([0]);
    throw error;
  }
}

/** MongoDB is away (not the message's fault): retry without counting it against the message. */
export function isMongoUnavailable(error: unknown): boolean {
  return (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError
  );
}
