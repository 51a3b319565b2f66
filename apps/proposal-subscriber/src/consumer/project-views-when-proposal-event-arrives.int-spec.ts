import { HEADERS, TOPOLOGY, type ProposalEvent } from '@acme/contracts';
import { connectAmqp, declareTopology, toProposalMessage } from '@acme/messaging';
import { collectionsOf, createMongoClient, InboxProjector } from '@acme/read-model';
import {
  createTestVhost,
  newProposalId,
  PrivateFerretDb,
  sampleEvent,
  uniqueName,
  waitFor,
  type TestVhost,
} from '@acme/testing';
import type { AmqpConnectionManager } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel, GetMessage } from 'amqplib';
import type { MongoClient } from 'mongodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProjectViewsWhenProposalEventArrives } from './project-views-when-proposal-event-arrives';

const TOPOLOGY_OPTIONS = { messageTtlMs: 3_600_000, retryDelayMs: 200 };
/** What the policy logged, kept to explain a failure (the tests do not print it otherwise). */
const logged: string[] = [];
const keep = (level: string) => (m: unknown) => void logged.push(`${new Date().toISOString()} ${level} ${typeof m === 'string' ? m : JSON.stringify(m)}`);
const quiet = { log: keep('log'), warn: keep('warn'), error: keep('error') };

/**
 * The subscriber's policy wired to a real broker (own vhost) and a private FerretDB that the tests
 * may kill and restart without touching the shared server.
 */
describe('ProjectViewsWhenProposalEventArrives against RabbitMQ and the MongoDB-compatible server', () => {
  let vhost: TestVhost;
  let ferret: PrivateFerretDb;
  let mongo: MongoClient;
  let amqp: AmqpConnectionManager;
  let publisher: Channel;
  let policy: ProjectViewsWhenProposalEventArrives;
  const dbName = uniqueName();

  beforeAll(async () => {
    [vhost, ferret] = await Promise.all([createTestVhost(), PrivateFerretDb.start()]);
    mongo = createMongoClient(ferret.url);
    await mongo.connect(); // as SubscriberService does (connectWhenMongoAnswers) before it consumes
    // Wired as SubscriberService does, minus the projection notices.
    policy = new ProjectViewsWhenProposalEventArrives(
      new InboxProjector(mongo.db(dbName)),
      { maxAttempts: 3, maxMessageBytes: 64 * 1024, gapTimeoutMs: 1_500, gapWaitMs: 400 },
      quiet,
    );
    amqp = connectAmqp(vhost.url, 'test-subscriber', quiet);
    const channel = amqp.createChannel({
      setup: async (ch: ConfirmChannel) => {
        await declareTopology(ch, TOPOLOGY_OPTIONS);
        await policy.consume(ch, 20);
      },
    });
    await channel.waitForConnect();
    publisher = await (await vhost.connect()).createChannel();
  });

  afterAll(async () => {
    await amqp.close();
    await mongo.close();
    await ferret.destroy();
    await vhost.delete();
  });

  const views = () => collectionsOf(mongo.db(dbName));

  function publish(event: ProposalEvent): void {
    const m = toProposalMessage(event, 'test');
    publisher.publish(m.exchange, m.routingKey, m.content, m.options);
  }

  function publishRaw(body: string, routingKey = 'proposal.created', headers: Record<string, unknown> = {}): void {
    publisher.publish(TOPOLOGY.exchange, routingKey, Buffer.from(body), { persistent: true, messageId: uniqueName('poison'), headers });
  }

  async function takeDeadLetters(): Promise<GetMessage[]> {
    const out: GetMessage[] = [];
    for (let m = await publisher.get(TOPOLOGY.deadLetterQueue, { noAck: true }); m; m = await publisher.get(TOPOLOGY.deadLetterQueue, { noAck: true })) {
      out.push(m);
    }
    return out;
  }

  const viewVersion = async (id: number) => (await views().proposals.findOne({ _id: id }))?.version ?? 0;

  it('projects a redelivered event once and logs the duplicate', async () => {
    // Given an event published twice (as after a relay crash between confirm and mark)
    const event = sampleEvent(newProposalId(), 1);
    publish(event);
    publish(event);

    // When the subscriber has handled both copies
    await waitFor(async () => (await views().duplicates.countDocuments({ _id: event.eventId })) === 1, 'duplicate logged');

    // Then there is one applied event and one duplicate entry, and the view is version 1
    expect(await views().inbox.countDocuments({ proposalId: event.proposalId })).toBe(1);
    expect(await views().duplicates.findOne({ _id: event.eventId })).toMatchObject({ count: 1 });
    expect(await viewVersion(event.proposalId)).toBe(1);
  });

  it('applies events that arrive out of order in version order', async () => {
    // Given versions 1..4 of a proposal published as 4, 2, 3, 1
    const id = newProposalId();
    const events = [1, 2, 3, 4].map((v) => sampleEvent(id, v, { notes: `v${v}` }));
    for (const i of [3, 1, 2, 0]) publish(events[i]!);

    // When the subscriber catches up
    await waitFor(async () => (await viewVersion(id)) === 4, 'view at version 4', 20_000);

    // Then the view is the last version and the event history is exactly 1..4
    expect(await views().proposals.findOne({ _id: id })).toMatchObject({ version: 4, notes: 'v4' });
    const history = await views().inbox.find({ proposalId: id }).sort({ version: 1 }).toArray();
    expect(history.map((e) => e.version)).toEqual([1, 2, 3, 4]);
  });

  it('lets an early event wait in place for a predecessor that follows at once, without the retry queue', async () => {
    // Given version 2 of a proposal, and its version 1 published 50 ms later (another relay was slower)
    const id = newProposalId();
    const retriedBefore = policy.counters.retried;
    const waitedBefore = policy.counters.waitedInPlace;
    publish(sampleEvent(id, 2, { notes: 'v2' }));
    await sleep(50);
    publish(sampleEvent(id, 1));

    // When the subscriber has caught up
    await waitFor(async () => (await viewVersion(id)) === 2, 'view at version 2', 5_000);

    // Then both were applied in order and nothing took the retry queue
    expect(await views().proposals.findOne({ _id: id })).toMatchObject({ version: 2, notes: 'v2' });
    const history = await views().inbox.find({ proposalId: id }).sort({ version: 1 }).toArray();
    expect(history.map((e) => e.version)).toEqual([1, 2]);
    expect(history[1]!.appliedAt.getTime()).toBeGreaterThanOrEqual(history[0]!.appliedAt.getTime());
    expect(policy.counters.retried).toBe(retriedBefore);
    expect(policy.counters.waitedInPlace).toBe(waitedBefore + 1);
  });

  it('dead-letters malformed messages with the reason, and keeps projecting good ones', async () => {
    // Given poison (not JSON, wrong schema, unknown type, missing id, oversized) followed by a good event
    await takeDeadLetters();
    publishRaw('this is not json');
    publishRaw(JSON.stringify({ hello: 'world' }));
    publishRaw(JSON.stringify({ ...sampleEvent(newProposalId(), 1), type: 'proposal.exploded' }));
    const { eventId: _missing, ...withoutId } = sampleEvent(newProposalId(), 1);
    publishRaw(JSON.stringify(withoutId));
    publishRaw('x'.repeat(70 * 1024));
    const good = sampleEvent(newProposalId(), 1);
    publish(good);

    // When the subscriber has seen them all
    await waitFor(async () => (await viewVersion(good.proposalId)) === 1, 'the good event projected');
    await waitFor(async () => (await publisher.checkQueue(TOPOLOGY.deadLetterQueue)).messageCount === 5, '5 dead letters');

    // Then each poison message is in the DLQ with a reason header
    const reasons = (await takeDeadLetters()).map((m) => String(m.properties.headers?.[HEADERS.deadLetterReason]));
    expect(reasons).toEqual([
      expect.stringContaining('not valid JSON'),
      expect.stringContaining('contract violation'),
      expect.stringContaining('type'),
      expect.stringContaining('eventId'),
      expect.stringContaining('exceeds'),
    ]);
  });

  it('lets an event wait for a late predecessor beyond the attempt limit, and dead-letters it after the gap timeout', async () => {
    // Given version 2 of a proposal whose version 1 is late (more retry rounds than maxAttempts = 3)
    await takeDeadLetters();
    const id = newProposalId();
    const late = sampleEvent(id, 2);
    publish(late);
    await sleep(1_000); // 200 ms retry delay: several rounds

    // When version 1 arrives within the gap timeout, Then both are applied, in order
    publish(sampleEvent(id, 1));
    await waitFor(async () => (await viewVersion(id)) === 2, 'v2 applied after v1', 10_000);
    expect((await publisher.checkQueue(TOPOLOGY.deadLetterQueue)).messageCount).toBe(0);

    // Given an orphan whose version 1 never comes
    const orphan = sampleEvent(newProposalId(), 2);
    publish(orphan);

    // When the gap timeout (1.5 s) has passed
    await waitFor(async () => (await publisher.checkQueue(TOPOLOGY.deadLetterQueue)).messageCount === 1, 'orphan dead-lettered', 20_000);

    // Then it is in the DLQ (not lost, not applied) with the reason
    const [dead] = await takeDeadLetters();
    expect(dead?.properties.messageId).toBe(orphan.eventId);
    expect(String(dead?.properties.headers?.[HEADERS.deadLetterReason])).toMatch(/waits for v1: not applied within 1500 ms/);
    expect(await viewVersion(orphan.proposalId)).toBe(0);
  });

  it('loses nothing when MongoDB stops mid-stream and comes back', async () => {
    // Given a stream of events, part of it published while MongoDB is down
    await takeDeadLetters();
    const first = Array.from({ length: 30 }, () => sampleEvent(newProposalId(), 1));
    const second = Array.from({ length: 30 }, () => sampleEvent(newProposalId(), 1));
    first.forEach(publish);
    await ferret.kill();
    second.forEach(publish);
    await sleep(3_000); // several retry rounds while Mongo is away

    // When MongoDB is back
    await ferret.resume();

    // Then every event is projected, once, and nothing was dead-lettered. (A write that reached the
    // server as it was killed comes back as a duplicate: logged, no second effect.)
    const ids = [...first, ...second].map((e) => e.eventId);
    await waitFor(async () => (await views().inbox.countDocuments({ _id: { $in: ids } })) === 60, 'all 60 projected', 45_000, 200).catch((error: Error) => {
      throw new Error(`${error.message}; counters ${JSON.stringify(policy.counters)}; last log lines:\n${logged.slice(-15).join('\n')}`);
    });
    expect((await publisher.checkQueue(TOPOLOGY.deadLetterQueue)).messageCount).toBe(0);
    const proposalIds = [...first, ...second].map((e) => e.proposalId);
    expect(await views().proposals.countDocuments({ _id: { $in: proposalIds }, version: 1 })).toBe(60);
    expect(await views().customerProposals.countDocuments({ _id: { $in: proposalIds } })).toBe(60);
  });
});
