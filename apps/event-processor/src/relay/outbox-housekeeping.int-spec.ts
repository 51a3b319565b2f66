import { createTestDatabase, newProposalId, sampleEvent, type TestDatabase } from '@acme/testing';
import { Pool } from 'pg';
import { OutboxRelayStore } from '@acme/write-persistence';

describe('OutboxRelayStore housekeeping', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new Pool({ connectionString: db.url, max: 2 });
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  async function insert(processed: boolean, processedHoursAgo: number): Promise<void> {
    const e = sampleEvent(newProposalId(), 1);
    await db.query(
      `INSERT INTO proposalevents (proposal_id, event_guid, event_type, aggregate_version, payload, processed, processed_date)
       VALUES ($1, $2, $3, 1, $4, $5, CASE WHEN $5 THEN now() - make_interval(hours => $6) END)`,
      [e.proposalId, e.eventId, e.type, e, processed, processedHoursAgo],
    );
  }

  it('deletes only processed rows older than the retention, in batches, and never an unprocessed one', async () => {
    // Given old processed rows, recent processed rows and old unprocessed rows
    for (let i = 0; i < 5; i++) await insert(true, 48);
    for (let i = 0; i < 2; i++) await insert(true, 1);
    for (let i = 0; i < 3; i++) await insert(false, 48);
    const store = new OutboxRelayStore(pool);

    // When housekeeping runs with a 24-hour retention and batches of 2
    const deleted = [await store.deleteProcessedOlderThan(24, 2), await store.deleteProcessedOlderThan(24, 2), await store.deleteProcessedOlderThan(24, 2)];

    // Then the five old processed rows are gone, two per batch, and everything else stays
    expect(deleted).toEqual([2, 2, 1]);
    const left = await db.query<{ processed: boolean; n: string }>('SELECT processed, count(*) AS n FROM proposalevents GROUP BY processed ORDER BY processed');
    expect(left.map((r) => [r.processed, Number(r.n)])).toEqual([
      [false, 3],
      [true, 2],
    ]);
    expect(await store.backlog()).toBe(3);
  });
});
