import { createTestMongo, newProposalId, removedEvent, sampleEvent, type TestMongo } from '@acme/testing';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { collectionsOf, InboxNotUnique, isMongoUnavailable } from '../read-model-db';
import { rebuildViews } from '../rebuild';
import { inboxEntryOf } from './inbox';
import { InboxProjector } from './inbox-projector';

describe('InboxProjector against the MongoDB-compatible server', () => {
  let mongo: TestMongo;
  let projector: InboxProjector;

  beforeAll(async () => {
    mongo = await createTestMongo();
    projector = new InboxProjector(mongo.db);
  });

  afterAll(() => mongo.drop());

  const c = () => collectionsOf(mongo.db);

  it('gives the same event delivered twice one effect and one duplicateevents entry, counted per delivery', async () => {
    // Given an applied event
    const event = sampleEvent(newProposalId(), 1);
    await expect(projector.project([event])).resolves.toEqual([{ kind: 'applied' }]);
    const viewBefore = await c().proposals.findOne({ _id: event.proposalId });

    // When it is delivered again: alone, then twice in one batch
    await expect(projector.project([event])).resolves.toEqual([{ kind: 'duplicate' }]);
    await expect(projector.project([event, event])).resolves.toEqual([{ kind: 'duplicate' }, { kind: 'duplicate' }]);

    // Then the views are untouched and the duplicate has one entry that counts the three copies
    expect(await c().proposals.findOne({ _id: event.proposalId })).toEqual(viewBefore);
    expect(await c().customerProposals.countDocuments({ proposalId: event.proposalId })).toBe(1);
    const duplicates = await c().duplicates.find({ eventId: event.eventId }).toArray();
    expect(duplicates).toHaveLength(1);
    expect(duplicates[0]).toMatchObject({ count: 3, proposalId: event.proposalId, version: 1 });
    expect(await c().inbox.countDocuments({ proposalId: event.proposalId })).toBe(1);
  });

  it('never applies a successor before its predecessor: a gap is reported, then applied in order', async () => {
    // Given versions 1..3 of a proposal arriving as 3, 1, 2
    const id = newProposalId();
    const [v1, v2, v3] = [sampleEvent(id, 1), sampleEvent(id, 2, { status: 'AWAITING_CONFIRMATION' }), sampleEvent(id, 3, { status: 'ACCEPTED' })];

    // When they are projected in that order, retrying gaps
    expect(await projector.project([v3])).toEqual([{ kind: 'gap', waitsFor: 2 }]);
    expect(await projector.project([v1])).toEqual([{ kind: 'applied' }]);
    expect(await projector.project([v3])).toEqual([{ kind: 'gap', waitsFor: 2 }]);
    expect(await projector.project([v2, v3])).toEqual([{ kind: 'applied' }, { kind: 'applied' }]);

    // Then the view is the last version and the history is complete and ordered
    expect(await c().proposals.findOne({ _id: id })).toMatchObject({ version: 3, status: 'ACCEPTED', lastEventId: v3.eventId });
    const history = await c().inbox.find({ proposalId: id }).sort({ version: 1 }).toArray();
    expect(history.map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('applies a batch that holds several versions of a proposal in order, out of order in the batch, and writes its views once', async () => {
    // Given a projector whose every MongoDB command is counted, and versions 3, 1, 2 of a proposal in one batch
    const monitored = new MongoClient(mongo.url, { monitorCommands: true });
    const commands: CommandStartedEvent[] = [];
    monitored.on('commandStarted', (e) => commands.push(e));
    try {
      const counted = new InboxProjector(monitored.db(mongo.dbName));
      const id = newProposalId();
      const [v1, v2, v3] = [1, 2, 3].map((v) => sampleEvent(id, v, { notes: `v${v}` }));
      await counted.project([sampleEvent(newProposalId(), 1)]); // indexes ensured, not counted
      commands.length = 0;

      // When the batch is projected
      await expect(counted.project([v3!, v1!, v2!])).resolves.toEqual([{ kind: 'applied' }, { kind: 'applied' }, { kind: 'applied' }]);

      // Then the history is 1..3, each applied after its predecessor, and each view was written once, at v3
      const history = await c().inbox.find({ proposalId: id }).sort({ version: 1 }).toArray();
      expect(history.map((e) => e.version)).toEqual([1, 2, 3]);
      expect(history.every((e, i) => i === 0 || e.appliedAt.getTime() >= history[i - 1]!.appliedAt.getTime())).toBe(true);
      expect(await c().proposals.findOne({ _id: id })).toMatchObject({ version: 3, notes: 'v3' });
      const viewWrites = commands.filter((e) => ['insert', 'update'].includes(e.commandName) && ['proposals', 'customerproposals'].includes(String(e.command[e.commandName])));
      expect(viewWrites.map((e) => e.command[e.commandName] as string).sort()).toEqual(['customerproposals', 'proposals']);
    } finally {
      await monitored.close();
    }
  });

  it('projects a batch of creations with one insert per collection, and still finds the duplicate among them', async () => {
    // Given a projector whose every MongoDB command is counted, and one creation it applied before
    const monitored = new MongoClient(mongo.url, { monitorCommands: true });
    const commands: CommandStartedEvent[] = [];
    monitored.on('commandStarted', (e) => commands.push(e));
    const counted = new InboxProjector(monitored.db(mongo.dbName));
    const seen = sampleEvent(newProposalId(), 1);
    await counted.project([seen]);
    commands.length = 0;

    try {
      // When 40 new creations and a redelivery of the old one arrive in one batch
      const fresh = Array.from({ length: 40 }, () => sampleEvent(newProposalId(), 1));
      const outcomes = await counted.project([...fresh, seen]);

      // Then the new ones are applied and the old one is a duplicate
      expect(outcomes.slice(0, 40).every((o) => o.kind === 'applied')).toBe(true);
      expect(outcomes[40]).toEqual({ kind: 'duplicate' });
      for (const { proposalId } of fresh) {
        await expect(c().proposals.findOne({ _id: proposalId })).resolves.toMatchObject({ version: 1, removed: false });
        await expect(c().customerProposals.findOne({ _id: proposalId })).resolves.toMatchObject({ version: 1, status: 'ON_HOLD' });
      }
      // …with one bulk insert per collection and no lookup per creation
      const bulkInserts = commands.filter((e) => e.commandName === 'insert' && (e.command.documents as unknown[]).length >= 40);
      expect(bulkInserts.map((e) => e.command.insert as string).sort()).toEqual(['customerproposals', 'proposaleventstore', 'proposals']);
      expect(commands.filter((e) => e.commandName === 'find').length).toBeLessThan(5);
    } finally {
      await monitored.close();
    }
  });

  it('completes the views of an event whose delivery crashed after its inbox insert: the redelivery is a duplicate and converges', async () => {
    // Given v1 and v2 of a proposal in the inbox, but the views only at v1 (a crash between the two writes)
    const id = newProposalId();
    const v1 = sampleEvent(id, 1);
    const v2 = sampleEvent(id, 2, { status: 'AWAITING_CONFIRMATION' });
    await projector.project([v1]);
    await c().inbox.insertOne(inboxEntryOf(v2, new Date()));

    // When v2 is redelivered
    await expect(projector.project([v2])).resolves.toEqual([{ kind: 'duplicate' }]);

    // Then both views show v2, and the redelivery is logged
    await expect(c().proposals.findOne({ _id: id })).resolves.toMatchObject({ version: 2, status: 'AWAITING_CONFIRMATION' });
    await expect(c().customerProposals.findOne({ _id: id })).resolves.toMatchObject({ version: 2, status: 'AWAITING_CONFIRMATION' });
    await expect(c().duplicates.findOne({ _id: v2.eventId })).resolves.toMatchObject({ count: 1 });
  });

  it('creates the views from the newest event when the creation crashed before its views and a later version came first', async () => {
    // Given v1 in the inbox without views (crash), then v2 applied by another subscriber
    const id = newProposalId();
    const v1 = sampleEvent(id, 1);
    const v2 = sampleEvent(id, 2, { status: 'AWAITING_CONFIRMATION' });
    await c().inbox.insertOne(inboxEntryOf(v1, new Date()));
    await expect(new InboxProjector(mongo.db).project([v2])).resolves.toEqual([{ kind: 'applied' }]);

    // When v1 is redelivered
    await expect(projector.project([v1])).resolves.toEqual([{ kind: 'duplicate' }]);

    // Then the views show v2 (never rolled back to v1)
    await expect(c().proposals.findOne({ _id: id })).resolves.toMatchObject({ version: 2 });
    await expect(c().customerProposals.findOne({ _id: id })).resolves.toMatchObject({ version: 2, status: 'AWAITING_CONFIRMATION' });
  });

  it('lets two subscribers race on the same events with exactly one effect each', async () => {
    // Given two projectors (two subscriber instances) and the same batch delivered to both at once
    const other = new InboxProjector(mongo.db);
    const events = Array.from({ length: 10 }, () => sampleEvent(newProposalId(), 1));

    // When both project it concurrently
    const [a, b] = await Promise.all([projector.project(events), other.project(events)]);

    // Then each event was applied by exactly one of them, and the other saw a duplicate
    events.forEach((_, i) => expect([a[i]!.kind, b[i]!.kind].sort()).toEqual(['applied', 'duplicate']));
    expect(await c().inbox.countDocuments({ proposalId: { $in: events.map((e) => e.proposalId) } })).toBe(10);
  });

  it('leaves the views at the newest version when two subscribers apply successive versions of the same proposals at once', async () => {
    // Given 20 proposals at v1, and their v2..v6 split between two projectors, alternating
    const other = new InboxProjector(mongo.db);
    const ids = Array.from({ length: 20 }, () => newProposalId());
    await projector.project(ids.map((id) => sampleEvent(id, 1)));
    for (let v = 2; v <= 6; v += 2) {
      // When version v of every proposal goes to one projector while the other applies v+1
      const mine = ids.map((id) => sampleEvent(id, v, { notes: `v${v}` }));
      const next = ids.map((id) => sampleEvent(id, v + 1, { notes: `v${v + 1}` }));
      const [, theirs] = await Promise.all([projector.project(mine), other.project(next)]);
      // (the later version may find its predecessor not yet stored: it waits, then comes again)
      const retried = next.filter((_, i) => theirs[i]!.kind === 'gap');
      if (retried.length > 0) await other.project(retried);
    }

    // Then every view is at v7 with v7's content, in both collections
    const views = await c().proposals.find({ _id: { $in: ids } }).toArray();
    expect(views.map((view) => [view.version, view.notes])).toEqual(ids.map(() => [7, 'v7']));
    const entries = await c().customerProposals.find({ _id: { $in: ids } }).toArray();
    expect(entries.every((e) => e.version === 7)).toBe(true);
  });

  it('dead-letters a corrupt stream: another event claiming a stored version, or a stored event id under another version', async () => {
    // Given a proposal at v1
    const id = newProposalId();
    const v1 = sampleEvent(id, 1);
    await projector.project([v1]);

    // When a different event claims v1, and v1's id comes back as v2
    const [claim, reused] = await projector.project([sampleEvent(id, 1), { ...sampleEvent(id, 2), eventId: v1.eventId }]);

    // Then both are corrupt, with the reason, and the proposal is as it was
    expect(claim).toEqual({ kind: 'corrupt', reason: `proposal ${id} v1 is already stored as event ${v1.eventId}` });
    expect(reused).toEqual({ kind: 'corrupt', reason: `event id ${v1.eventId} is already stored as proposal ${id} v1` });
    await expect(c().proposals.findOne({ _id: id })).resolves.toMatchObject({ version: 1, lastEventId: v1.eventId });
  });

  it('keeps a removed proposal removed when an older event of it arrives late', async () => {
    // Given a created, updated and removed proposal
    const id = newProposalId();
    const v1 = sampleEvent(id, 1);
    const v2 = sampleEvent(id, 2, { status: 'AWAITING_CONFIRMATION' });
    const v3 = removedEvent(v2);
    await projector.project([v1, v2, v3]);

    // When v2 is redelivered
    await expect(projector.project([v2])).resolves.toEqual([{ kind: 'duplicate' }]);

    // Then the proposal stays removed in both views
    expect(await c().proposals.findOne({ _id: id })).toMatchObject({ version: 3, removed: true });
    expect(await c().customerProposals.findOne({ _id: id })).toMatchObject({ version: 3, removed: true });
  });

  it('throws for a batch when MongoDB is away, and applies each event once when it is delivered again', async () => {
    // Given a projector on a client that is closed (MongoDB away) and a batch
    const gone = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 500 });
    const broken = new InboxProjector(gone.db(mongo.dbName));
    await gone.close();
    const events = Array.from({ length: 5 }, () => sampleEvent(newProposalId(), 1));

    // When it is projected, it fails as a whole (the messages would go to the retry queue)…
    await expect(broken.project(events)).rejects.toThrow();

    // …and when redelivered to a working projector, each is applied once
    await expect(projector.project(events)).resolves.toEqual(events.map(() => ({ kind: 'applied' })));
    expect(await c().inbox.countDocuments({ proposalId: { $in: events.map((e) => e.proposalId) } })).toBe(5);
  });

  it('forgets what it saw stored when the inbox is dropped (a lab reset): a later version then waits, and the unique indexes are back', async () => {
    // Given a proposal at v2, in another database so that the others' inbox stays
    const db = mongo.client.db(`${mongo.dbName}_reset`);
    try {
      const own = new InboxProjector(db);
      const id = newProposalId();
      await own.project([sampleEvent(id, 1), sampleEvent(id, 2)]);

      // When the read side's collections are dropped while it runs, and v3 of that proposal arrives
      for (const name of ['proposaleventstore', 'proposals', 'customerproposals']) await db.collection(name).drop();
      const [outcome] = await own.project([sampleEvent(id, 3)]);

      // Then v3 waits for v2 (no longer stored), and the inbox has its unique indexes again
      expect(outcome).toEqual({ kind: 'gap', waitsFor: 2 });
      const indexes = await collectionsOf(db).inbox.indexes();
      expect(indexes.find((i) => i.name === 'proposalId_version_unique')).toMatchObject({ unique: true });
    } finally {
      await db.dropDatabase();
    }
  });

  it('refuses to decide, saying why and how to repair it, over an inbox from before it that holds one version twice', async () => {
    // Given a database written before the inbox was the decision: version 1 of a proposal stored twice
    const old = await createTestMongo();
    try {
      const id = newProposalId();
      const [a, b] = [sampleEvent(id, 1), sampleEvent(id, 1)];
      await collectionsOf(old.db).inbox.insertMany([inboxEntryOf(a, new Date()), inboxEntryOf(b, new Date())]);

      // When a subscriber projects an event
      const error = await new InboxProjector(old.db).project([sampleEvent(newProposalId(), 1)]).catch((e: unknown) => e);

      // Then it fails as "MongoDB cannot be used" (the message waits, no attempt spent), naming the entries and the fix, and applies nothing
      expect(error).toBeInstanceOf(InboxNotUnique);
      expect(isMongoUnavailable(error)).toBe(true);
      expect((error as Error).message).toContain(`2 entries for proposal ${id} version 1`);
      expect((error as Error).message).toContain('npm run lab -- reset --yes');
      expect(await collectionsOf(old.db).inbox.countDocuments()).toBe(2);
      expect(await collectionsOf(old.db).proposals.countDocuments()).toBe(0);
    } finally {
      await old.drop();
    }
  });

  it('rebuilds views from the inbox that equal the live projection', async () => {
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
