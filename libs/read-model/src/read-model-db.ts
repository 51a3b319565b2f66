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
  type Document,
  type Filter,
  type OptionalUnlessRequiredId,
  type UpdateFilter,
  type WithoutId,
} from 'mongodb';
import { withTimeout } from '@acme/contracts';
import { COLLECTIONS, type CustomerProposalEntry, type DuplicateEvent, type InboxEntry, type ProposalView } from './views';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';

export interface ReadModelCollections {
  proposals: Collection<ProposalView>;
  customerProposals: Collection<CustomerProposalEntry>;
  inbox: Collection<InboxEntry>;
  duplicates: Collection<DuplicateEvent>;
}

export function collectionsOf(db: Db): ReadModelCollections {
  return {
    proposals: db.collection<ProposalView>(COLLECTIONS.proposals),
    customerProposals: db.collection<CustomerProposalEntry>(COLLECTIONS.customerProposals),
    inbox: db.collection<InboxEntry>(COLLECTIONS.inbox),
    duplicates: db.collection<DuplicateEvent>(COLLECTIONS.duplicates),
  };
}

/**
 * The read side's client. It survives MongoDB restarts: the driver reconnects by itself, and
 * operations fail fast (server selection timeout) while it is away, so the caller retries later. `socketTimeoutMs` bounds every operation on a link that went silent (no FIN,
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
      await sleep(retryMs, undefined, { ref: false });
    }
  }
  return false;
}

/**
 * Idempotent. The inbox's two unique indexes are the read side's decision (see inbox/decide.ts): one
 * document per event id (`_id`) and one per (proposal id, version).
 */
export async function ensureIndexes(db: Db): Promise<void> {
  const c = collectionsOf(db);
  // Two processes making the collections at once (the subscriber and query-api, when MongoDB comes
  // up) can fail each other on FerretDB ("relation … already exists"): one more try then succeeds.
  for (let attempt = 1; ; attempt++) {
    try {
      return await makeIndexes(c);
    } catch (error) {
      if (error instanceof InboxNotUnique || isMongoUnavailable(error)) throw error;
      if (attempt === 3) throw new IndexesNotMade(error);
      await sleep(200 * attempt);
    }
  }
}

/** The read side's indexes could not be made: without them no event can be decided (not the events' fault). */
export class IndexesNotMade extends Error {
  constructor(cause: unknown) {
    super(`the read side's indexes could not be made (${cause instanceof Error ? cause.message : String(cause)}); events wait until they are`, { cause });
  }
}

async function makeIndexes(c: ReadModelCollections): Promise<void> {
  // Before the inbox was the decision this index was not unique; its name is kept free of the new one.
  if ((await c.inbox.indexes().catch(() => [])).some((index) => index.name === 'proposal_version' && !index.unique)) {
    // Another process (query-api, a second subscriber) may drop it at the same moment.
    await c.inbox.dropIndex('proposal_version').catch((error: unknown) => {
      if (!(error instanceof MongoServerError && error.codeName === 'IndexNotFound')) throw error;
    });
  }
  await c.inbox.createIndex({ proposalId: 1, version: 1 }, { unique: true, name: 'proposalId_version_unique' }).catch(async (error: unknown) => {
    // Why it failed, if it is that; otherwise (MongoDB away, say) the failure itself.
    throw (await InboxNotUnique.find(c.inbox).catch(() => undefined)) ?? error;
  });
  await c.inbox.createIndex({ eventId: 1 }, { unique: true, name: 'eventId_unique' });
  await c.proposals.createIndex({ customerId: 1, _id: 1 }, { name: 'customer_id' });
  await c.customerProposals.createIndex({ customerId: 1, _id: 1 }, { name: 'customer_id' });
  await c.proposals.createIndex({ status: 1, _id: 1 }, { name: 'status_id' });
  await c.duplicates.createIndex({ lastSeenAt: -1 }, { name: 'lastSeenAt' });
}

/**
 * The inbox holds two entries for one (proposal, version), so its unique index cannot be made — and
 * without it no event can be decided. Only a database written before the inbox was the decision can
 * hold such entries. Not the messages' fault: they wait (see isMongoUnavailable) until it is repaired.
 */
export class InboxNotUnique extends Error {
  private constructor(proposalId: unknown, version: unknown, entries: unknown) {
    super(
      `${COLLECTIONS.inbox} holds ${String(entries)} entries for proposal ${String(proposalId)} version ${String(version)}, so its unique index ` +
        `(proposalId, version) cannot be made and no event can be decided; the database predates the inbox: empty the read side ` +
        `(npm run lab -- reset --yes) or delete the extra entries, then run npm run rebuild-views`,
    );
  }

  /** The first (proposal, version) stored twice, if any. */
  static async find(inbox: Collection<InboxEntry>): Promise<InboxNotUnique | undefined> {
    const [twice] = await inbox
      .aggregate<{ _id: { proposalId: number; version: number }; entries: number }>([
        { $group: { _id: { proposalId: '$proposalId', version: '$version' }, entries: { $sum: 1 } } },
        { $match: { entries: { $gt: 1 } } },
        { $limit: 1 },
      ])
      .toArray();
    return twice && new InboxNotUnique(twice._id.proposalId, twice._id.version, twice.entries);
  }
}

export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}

/**
 * Inserts the documents in one round trip (unordered: each stands alone) and returns those that were
 * already there (a duplicate key). Any other failure is thrown.
 */
export async function insertMissing<T extends Document>(collection: Collection<T>, docs: readonly T[]): Promise<T[]> {
  if (docs.length === 0) return [];
  try {
    await collection.insertMany(docs as OptionalUnlessRequiredId<T>[], { ordered: false });
    return [];
  } catch (error) {
    if (error instanceof MongoBulkWriteError) {
      const writeErrors = [error.writeErrors].flat();
      if (writeErrors.length > 0 && writeErrors.every((e) => e.code === 11000)) return writeErrors.map((e) => docs[e.index] as T);
    }
    if (docs.length === 1 && isDuplicateKeyError(error)) return [docs[0] as T];
    throw error;
  }
}

/**
 * How long one MongoDB operation (or one batch of them) may take before it counts as MongoDB gone.
 * Longer than the driver's socket timeout; needed because an operation in flight while FerretDB is
 * killed can stay pending for good, which would hold its place (and everything queued behind it).
 */
export const MONGO_OPERATION_DEADLINE_MS = 15_000;

/** An operation that neither answered nor failed within its deadline: treated as MongoDB unavailable. */
export class MongoOperationHung extends Error {}

/** `work`, or a MongoOperationHung rejection once `ms` have passed without it settling. */
export function withinDeadline<T>(work: Promise<T>, what: string, ms = MONGO_OPERATION_DEADLINE_MS): Promise<T> {
  return withTimeout(work, ms, () => new MongoOperationHung(`${what}: no answer from MongoDB within ${ms} ms`));
}

/** One update: a filter and either a replacement document or update operators. */
export type Update<T> = { filter: Filter<T> } & ({ replacement: T } | { update: UpdateFilter<T> });

/**
 * Update commands this process has on the wire at most. FerretDB v1 holds a PostgreSQL connection for
 * each statement's read until its whole command ends, and takes one more to write; its pool has 50. So
 * some 50 update statements waiting at once — in one command, or across commands and processes — can
 * hold every connection while each waits for another, and the server hangs for good
 * (docs/ferretdb.md). 8 per process keeps five subscribers and a rebuild below that.
 */
const UPDATES_IN_FLIGHT = 8;
const updateSlots = pLimit(UPDATES_IN_FLIGHT);

/**
 * Runs each update as a command of its own — one statement, UPDATES_IN_FLIGHT at a time across the
 * process — and returns how many matched. Not one bulk command: FerretDB runs a command's statements
 * one after another, while separate commands run side by side. MongoDB gives the same result either way.
 */
export async function updateEach<T extends Document>(collection: Collection<T>, updates: readonly Update<T>[]): Promise<number> {
  const results = await Promise.all(
    updates.map((u) =>
      // Bounded, so that an update that never settles cannot keep its slot for good.
      updateSlots(() =>
        withinDeadline('replacement' in u ? collection.replaceOne(u.filter, u.replacement as WithoutId<T>) : collection.updateOne(u.filter, u.update), `update of ${collection.collectionName}`),
      ),
    ),
  );
  return results.reduce((matched, r) => matched + r.matchedCount, 0);
}

/**
 * MongoDB cannot be used now — it is away, or its inbox cannot decide (InboxNotUnique, IndexesNotMade). Not the
 * message's fault: retry without counting it against the message.
 */
export function isMongoUnavailable(error: unknown): boolean {
  return (
    error instanceof InboxNotUnique ||
    error instanceof IndexesNotMade ||
    error instanceof MongoOperationHung ||
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError
  );
}
