import { PrivateFerretDb, uniqueName } from '@acme/testing';
import { MongoClient } from 'mongodb';
import { Client } from 'pg';
import { collectionsOf, connectWhenMongoAnswers, createMongoClient, ensureIndexes } from './read-model-db';
import type { ProposalView } from './views';

/**
 * FerretDB 1.24 pushes `{field: value}` down as `_jsonb->'field' @> value`, which its own btree indexes
 * cannot serve (FerretDB#4646): every lookup scanned the table. The runner in tools/ferretdb fixes that
 * in FerretDB's PostgreSQL database; this checks the fix on a FerretDB of our own.
 */
describe('the FerretDB runner (tools/ferretdb) against PostgreSQL', () => {
  let ferret: PrivateFerretDb;
  let mongo: MongoClient;

  beforeAll(async () => {
    ferret = await PrivateFerretDb.start();
    mongo = new MongoClient(ferret.url);
  });

  afterAll(async () => {
    await mongo.close();
    await ferret.destroy();
  });

  it('answers lookups by _id and by an indexed field from an index, planned with their values', async () => {
    // Given the read side's indexes and 3,000 proposal views
    const db = mongo.db(uniqueName());
    await ensureIndexes(db);
    const views = Array.from({ length: 3_000 }, (_, i) => ({ _id: i + 1, customerId: (i % 100) + 1, version: 1, notes: 'x'.repeat(200) }));
    await collectionsOf(db).proposals.insertMany(views as unknown as ProposalView[]);

    // When FerretDB explains a lookup by _id and one by customerId
    const plans = await Promise.all(
      [{ _id: 42 }, { customerId: 7 }].map((filter) => db.command({ explain: { find: 'proposals', filter } })),
    );

    // Then PostgreSQL reads both through one of the runner's GIN indexes, not a sequential scan
    for (const plan of plans) expect(JSON.stringify(plan)).toMatch(/"Index Name":"acme_gin_[0-9a-f]{32}"/);

    // And FerretDB's database plans each execution with its parameters (a generic plan scans again)
    const pg = new Client({ connectionString: ferret.storageUrl });
    await pg.connect();
    try {
      const { rows } = await pg.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode');
      expect(rows[0]?.plan_cache_mode).toBe('force_custom_plan');
    } finally {
      await pg.end();
    }
  });
});

describe('a read-side client started while MongoDB is down', () => {
  let ferret: PrivateFerretDb;

  beforeAll(async () => {
    ferret = await PrivateFerretDb.start();
    await ferret.kill(); // MongoDB down before the app starts
  });

  afterAll(async () => {
    await ferret.destroy();
  });

  const ping = (client: MongoClient) =>
    client
      .db('admin')
      .command({ ping: 1 })
      .then(() => 'ok')
      .catch((error: Error) => error.name);

  it('connects once MongoDB answers; the driver alone would stay broken (its first connect failed)', async () => {
    // Given two clients whose first operation failed because MongoDB was down
    const plain = createMongoClient(ferret.url);
    const managed = createMongoClient(ferret.url);
    try {
      expect(await ping(plain)).toBe('MongoServerSelectionError');
      const retries: string[] = [];
      const connected = connectWhenMongoAnswers(managed, { retryMs: 200, onRetry: (error) => retries.push(error.name) });
      await new Promise((r) => setTimeout(r, 4_000));
      // meanwhile a dependency fault (503, retry), whichever moment of the retry loop it meets
      expect(['MongoNotConnectedError', 'MongoTopologyClosedError', 'MongoServerSelectionError']).toContain(await ping(managed));

      // When MongoDB comes up
      await ferret.resume();

      // Then the managed client connects and works; the plain one still fails (mongodb 6.x/7.x keep the
      // closed topology). If this ever answers 'ok', the driver fixed it and connectWhenMongoAnswers can go.
      expect(await connected).toBe(true);
      expect(await ping(managed)).toBe('ok');
      expect(retries.length).toBeGreaterThanOrEqual(1);
      expect(await ping(plain)).toBe('MongoTopologyClosedError');
    } finally {
      await plain.close();
      await managed.close();
    }
  }, 60_000);
});
