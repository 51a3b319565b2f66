import { createTestMongo, newProposalId, removedEvent, sampleEvent, type TestMongo } from '@acme/testing';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { ProposalProjector } from './projector';
import { collectionsOf, ensureIndexes } from './read-model-db';
import { rebuildViews } from './rebuild';

describe('ProposalProjector against the MongoDB-compatible server', () => {
  let mongo: TestMongo;
  let projector: ProposalProjector;

  beforeAll(async () => {
    mongo = await createTestMongo();
    await ensureIndexes(mongo.db);
    projector = new ProposalProjector(mongo.db);
  });

  afterAll(() => mongo.drop());

  const c = () => collectionsOf(mongo.db);

  it('gives the same event delivered twice one effect and one duplicateevents entry', async () => {
    // Given an applied event
    const event = sampleEvent(newProposalId(), 1);
    await expect(projector.project(event)).resolves.toEqual({ kind: 'applied' });
    const viewBefore = await c().proposals.findOne({ _id: event.proposalId });

    // When it is delivered again, twice
    await expect(projector.project(event)).resolves.toEqual({ kind: 'duplicate', count: 1 });
    await expect(projector.project(event)).resolves.toEqual({ kind: 'duplicate', count: 2 });

    // Then the views are unchanged and the duplicate is logged once, with its count
    expect(await c().proposals.findOne({ _id: event.proposalId })).toEqual(viewBefore);
    expect(await c().customerProposals.countDocuments({ proposalId: event.proposalId })).toBe(1);
    const duplicates = await c().duplicates.find({ eventId: event.eventId }).toArray();
    expect(duplicates).toHaveLength(1);
    expect(duplicates[0]).toMatchObject({ count: 2, proposalId: event.proposalId, version: 1 });
    expect(await c().eventStore.countDocuments({ proposalId: event.proposalId })).toBe(1);
  });

  it('never applies a successor before its predecessor: a gap is reported, then applied in order', async () => {
    // Given versions 1..3 of a proposal arriving as 3, 1, 2
    const id = newProposalId();
    const [v1, v2, v3] = [sampleEvent(id, 1), sampleEvent(id, 2, { status: 'AWAITING_CONFIRMATION' }), sampleEvent(id, 3, { status: 'ACCEPTED' })];

    // When they are projected in that order, retrying gaps
    expect(await projector.project(v3)).toEqual({ kind: 'gap', expectedVersion: 1 });
    expect(await projector.project(v1)).toEqual({ kind: 'applied' });
    expect(await projector.project(v3)).toEqual({ kind: 'gap', expectedVersion: 2 });
    expect(await projector.project(v2)).toEqual({ kind: 'applied' });
    expect(await projector.project(v3)).toEqual({ kind: 'applied' });

    // Then the view is the last version and the history is complete and ordered
    expect(await c().proposals.findOne({ _id: id })).toMatchObject({ version: 3, status: 'ACCEPTED', lastEventId: v3.eventId });
    const history = await c().eventStore.find({ proposalId: id }).sort({ version: 1 }).toArray();
    expect(history.map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('completes an event whose projection crashed before it was recorded, without a second effect', async () => {
    // Given an event whose views were written but whose event-store record is missing (crash before step 4)
    const id = newProposalId();
    const v1 = sampleEvent(id, 1);
    await projector.project(v1);
    await c().eventStore.deleteOne({ _id: v1.eventId });
    const customerBefore = await c().customerProposals.findOne({ _id: id });

    // When the message is redelivered
    const outcome = await projector.project(v1);

    // Then it completes (recorded), is not a duplicate, and changes no view
    expect(outcome).toEqual({ kind: 'applied' });
    expect(await c().eventStore.countDocuments({ _id: v1.eventId })).toBe(1);
    expect(await c().customerProposals.findOne({ _id: id })).toEqual(customerBefore);
  });

  it('lets two subscribers race on the same event with exactly one effect', async () => {
    // Given two projectors (two subscriber instances) and one event delivered to both at once
    const other = new ProposalProjector(mongo.db);
    const id = newProposalId();
    const v1 = sampleEvent(id, 1);

    // When both project it concurrently
    const outcomes = await Promise.all([projector.project(v1), other.project(v1)]);

    // Then one applied it and the other recorded a duplicate (or found it applied)
    expect(outcomes.filter((o) => o.kind === 'applied').length).toBeGreaterThanOrEqual(1);
    expect(await c().eventStore.countDocuments({ proposalId: id })).toBe(1);
    expect(await c().proposals.findOne({ _id: id })).toMatchObject({ version: 1 });
  });

  it('keeps a removed proposal removed when an older event of it arrives late', async () => {
    // Given a created, updated and removed proposal
    const id = newProposalId();
    const v1 = sampleEvent(id, 1);
    const v2 = sampleEvent(id, 2, { status: 'AWAITING_CONFIRMATION' });
    const v3 = removedEvent(v2);
    for (const e of [v1, v2, v3]) await projector.project(e);

    // When v2 is redelivered after its record was lost (worst case)
    await c().eventStore.deleteOne({ _id: v2.eventId });
    await projector.project(v2);

    // Then the proposal stays removed in both views
    expect(await c().proposals.findOne({ _id: id })).toMatchObject({ version: 3, removed: true });
    const entry = await c().customerProposals.findOne({ _id: id });
    expect(entry).toMatchObject({ version: 3, removed: true });
  });

  it('projects creations that arrive together with one insert per collection, and still finds their duplicates', async () => {
    // Given a projector whose every MongoDB command is counted, and one creation it applied before
    const monitored = new MongoClient(mongo.url, { monitorCommands: true });
    const commands: CommandStartedEvent[] = [];
    monitored.on('commandStarted', (e) => commands.push(e));
    const bulk = new ProposalProjector(monitored.db(mongo.dbName));
    const seen = sampleEvent(newProposalId(), 1);
    await bulk.project(seen);
    commands.length = 0;

    try {
      // When 40 new creations and a redelivery of the old one arrive at once
      const fresh = Array.from({ length: 40 }, () => sampleEvent(newProposalId(), 1));
      const outcomes = await Promise.all([...fresh, seen].map((e) => bulk.project(e)));

      // Then the new ones are applied and the old one is a duplicate
      expect(outcomes.slice(0, 40).every((o) => o.kind === 'applied')).toBe(true);
      expect(outcomes[40]).toEqual({ kind: 'duplicate', count: 1 });
      const ids = fresh.map((e) => e.proposalId);
      for (const id of ids) {
        await expect(c().proposals.findOne({ _id: id })).resolves.toMatchObject({ version: 1, removed: false });
        await expect(c().customerProposals.findOne({ _id: id })).resolves.toMatchObject({ version: 1, status: 'ON_HOLD' });
        await expect(c().eventStore.findOne({ proposalId: id })).resolves.toMatchObject({ version: 1, appliedOnVersion: 0 });
      }
      // …written in one bulk insert per collection (plus the duplicate's own reads and writes)
      const inserts = commands.filter((e) => e.commandName === 'insert');
      const bulkInserts = inserts.filter((e) => (e.command.documents as unknown[]).length > 1);
      expect(bulkInserts.map((e) => e.command.insert as string).sort()).toEqual(['customerproposals', 'proposaleventstore', 'proposals']);
      expect(bulkInserts.every((e) => (e.command.documents as unknown[]).length >= 40)).toBe(true);
      expect(commands.filter((e) => e.commandName === 'find').length).toBeLessThan(10);
    } finally {
      await monitored.close();
    }
  });

  it('brings a customer entry that a later version wrote first up to date, after a bulk creation', async () => {
    // Given a proposal whose v2 was applied by another subscriber while its v1 waited in a retry
    const id = newProposalId();
    const v1 = sampleEvent(id, 1);
    const v2 = sampleEvent(id, 2, { status: 'AWAITING_CONFIRMATION' });
    const other = new ProposalProjector(mongo.db);
    await other.project(v1);
    await other.project(v2);
    // …and whose v1 records were lost but for the customer entry (the worst mix of crashes)
    await c().proposals.deleteOne({ _id: id });
    await c().eventStore.deleteOne({ _id: v1.eventId });

    // When v1 is redelivered to this projector (bulk path: the view insert succeeds)
    await expect(projector.project(v1)).resolves.toEqual({ kind: 'applied' });

    // Then settle repairs the view from the newest stored event, and the entry follows it
    await expect(c().proposals.findOne({ _id: id })).resolves.toMatchObject({ version: 2, status: 'AWAITING_CONFIRMATION' });
    await expect(c().customerProposals.findOne({ _id: id })).resolves.toMatchObject({ version: 2, status: 'AWAITING_CONFIRMATION' });
  });

  it('fails every creation of a batch whose bulk write fails, and completes them on redelivery', async () => {
    // Given a projector on a client that is closed (MongoDB away) and a batch of creations
    const gone = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 500 });
    const broken = new ProposalProjector(gone.db(mongo.dbName));
    await gone.close();
    const events = Array.from({ length: 5 }, () => sampleEvent(newProposalId(), 1));

    // When they are projected, each fails (their messages would go to the retry queue)…
    const results = await Promise.allSettled(events.map((e) => broken.project(e)));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);

    // …and when they are redelivered to a working projector, each is applied once
    await expect(Promise.all(events.map((e) => projector.project(e)))).resolves.toEqual(events.map(() => ({ kind: 'applied' })));
    expect(await c().eventStore.countDocuments({ proposalId: { $in: events.map((e) => e.proposalId) } })).toBe(5);
  });

  it('rebuilds views from the event store that equal the live projection', async () => {
    // Given views built live from several proposals' events
    const live = await c().proposals.find({}).sort({ _id: 1 }).toArray();
    const liveCustomers = await c().customerProposals.find({}).sort({ _id: 1 }).toArray();

    // When they are dropped and rebuilt from proposaleventstore
    const result = await rebuildViews(mongo.db);

    // Then the rebuilt views are the same (apart from projection timestamps)
    const strip = <T extends { projectedAt?: unknown }>(v: T) => ({ ...v, projectedAt: undefined });
    expect((await c().proposals.find({}).sort({ _id: 1 }).toArray()).map(strip)).toEqual(live.map(strip));
    expect(await c().customerProposals.find({}).sort({ _id: 1 }).toArray()).toEqual(liveCustomers);
    expect(result.proposals).toBe(live.length);
  });
});
