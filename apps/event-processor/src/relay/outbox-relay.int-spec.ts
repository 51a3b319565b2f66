import { HEADERS, TOPOLOGY, type ProposalEvent } from '@acme/contracts';
import { connectAmqp, declareTopology } from '@acme/messaging';
import {
  createTestDatabase,
  createTestVhost,
  newProposalId,
  sampleEvent,
  startRabbitApp,
  stopRabbitApp,
  waitFor,
  type TestDatabase,
  type TestVhost,
} from '@acme/testing';
import { OutboxRelayStore } from '@acme/write-persistence';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel, GetMessage } from 'amqplib';
import { Pool } from 'pg';
import { OutboxRelay, type RelayOptions } from './outbox-relay';

const TOPOLOGY_OPTIONS = { messageTtlMs: 3_600_000, retryDelayMs: 1_000 };
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('OutboxRelay against real PostgreSQL and RabbitMQ', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    [db, vhost] = await Promise.all([createTestDatabase(), createTestVhost()]);
    const connection = await vhost.connect();
    await declareTopology(await connection.createChannel(), TOPOLOGY_OPTIONS);
    await connection.close();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  afterAll(async () => {
    await Promise.all([db.drop(), vhost.delete()]);
  });

  /** A relay wired like the app's, with its own pool and broker connection. */
  async function startRelay(options: Partial<RelayOptions> = {}): Promise<OutboxRelay> {
    const pool = new Pool({ connectionString: db.url, max: 4 });
    const amqp: AmqpConnectionManager = connectAmqp(vhost.url, 'test-relay', quiet);
    const channel: ChannelWrapper = amqp.createChannel({
      confirm: true,
      publishTimeout: 5_000,
      setup: (ch: ConfirmChannel) => declareTopology(ch, TOPOLOGY_OPTIONS),
    });
    await channel.waitForConnect();
    const relay = new OutboxRelay(
      new OutboxRelayStore(pool),
      channel,
      () => amqp.isConnected(),
      { batchSize: 50, pollIntervalMs: 100, ...options },
      quiet,
    );
    cleanups.push(async () => {
      await relay.stop();
      await amqp.close();
      await pool.end();
    });
    return relay;
  }

  async function insertEvents(events: ProposalEvent[]): Promise<number[]> {
    const ids: number[] = [];
    for (const e of events) {
      const [row] = await db.query<{ event_id: string }>(
        `INSERT INTO proposalevents (proposal_id, event_guid, event_type, aggregate_version, payload, trace_headers)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING event_id`,
        [e.proposalId, e.eventId, e.type, e.version, e, { traceparent: TRACEPARENT }],
      );
      ids.push(Number(row?.event_id));
    }
    return ids;
  }

  const unprocessed = async () =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM proposalevents WHERE NOT processed'))[0]?.n);

  /** Takes every message currently in the work queue (acking them), in queue order. */
  async function drainWorkQueue(): Promise<GetMessage[]> {
    const connection = await vhost.connect();
    const channel: Channel = await connection.createChannel();
    const messages: GetMessage[] = [];
    for (;;) {
      const message = await channel.get(TOPOLOGY.workQueue, { noAck: true });
      if (!message) break;
      messages.push(message);
    }
    await connection.close();
    return messages;
  }

  const freshEvents = (n: number) => Array.from({ length: n }, () => sampleEvent(newProposalId(), 1));

  beforeEach(async () => {
    await db.query('TRUNCATE proposalevents');
    await drainWorkQueue();
  });

  it('publishes events in event_id order, persistent, with routing key, message id and headers, then marks them processed', async () => {
    // Given three committed events of one proposal and one of another
    const id = newProposalId();
    const events = [sampleEvent(id, 1), sampleEvent(id, 2), sampleEvent(newProposalId(), 1), sampleEvent(id, 3)];
    const eventIds = await insertEvents(events);

    // When the relay runs once
    const relay = await startRelay();
    const relayed = await relay.relayOnce();

    // Then every event is on the queue, in outbox order, shaped as the contract says, and marked processed
    expect(relayed).toBe(4);
    const messages = await drainWorkQueue();
    expect(messages.map((m) => m.properties.messageId)).toEqual(events.map((e) => e.eventId));
    expect(messages.map((m) => m.fields.routingKey)).toEqual(['proposal.created', 'proposal.updated', 'proposal.created', 'proposal.updated']);
    const first = messages[0]!;
    expect(first.properties.deliveryMode).toBe(2);
    expect(first.properties.type).toBe('proposal.created');
    expect(first.properties.contentType).toBe('application/json');
    expect(first.properties.headers).toMatchObject({
      [HEADERS.version]: 1,
      [HEADERS.proposalId]: id,
      [HEADERS.outboxEventId]: eventIds[0],
      [HEADERS.traceparent]: TRACEPARENT,
    });
    expect(JSON.parse(first.content.toString())).toEqual(events[0]);
    const rows = await db.query<{ processed: boolean; processed_date: Date | null }>(
      'SELECT processed, processed_date FROM proposalevents ORDER BY event_id',
    );
    expect(rows.every((r) => r.processed && r.processed_date instanceof Date)).toBe(true);
  });

  it('marks nothing processed while RabbitMQ is stopped, and drains the whole backlog after it starts again', async () => {
    // Given a running relay and a broker that goes down
    const relay = await startRelay();
    relay.start();
    const before = freshEvents(5);
    await insertEvents(before);
    await waitFor(async () => (await unprocessed()) === 0, 'first events relayed');
    await stopRabbitApp();
    try {
      // When events keep being written during the outage
      const during = freshEvents(20);
      await insertEvents(during);
      await new Promise((r) => setTimeout(r, 2_000));

      // Then none of them is marked processed (no confirm, no mark)
      expect(await unprocessed()).toBe(20);
      expect(relay.status.state).toBe('failing');
    } finally {
      await startRabbitApp();
    }

    // And after the broker is back the backlog drains and nothing is lost
    await waitFor(async () => (await unprocessed()) === 0, 'backlog drained after restart', 60_000, 200);
    const received = new Set((await drainWorkQueue()).map((m) => String(m.properties.messageId)));
    const all = await db.query<{ event_guid: string }>('SELECT event_guid FROM proposalevents');
    expect(all).toHaveLength(25);
    for (const row of all) expect(received.has(row.event_guid)).toBe(true);
  });

  it('with two relays on the same table, publishes every row at least once and skips none', async () => {
    // Given a backlog of 300 events
    const events = freshEvents(300);
    await insertEvents(events);

    // When two relays drain it concurrently with small batches
    const [a, b] = await Promise.all([startRelay({ batchSize: 7 }), startRelay({ batchSize: 11 })]);
    a.start();
    b.start();
    await waitFor(async () => (await unprocessed()) === 0, 'backlog drained by two relays', 60_000, 100);

    // Then every event was published, and both relays took part
    const received = (await drainWorkQueue()).map((m) => String(m.properties.messageId));
    expect(new Set(received)).toEqual(new Set(events.map((e) => e.eventId)));
    expect(a.status.published).toBeGreaterThan(0);
    expect(b.status.published).toBeGreaterThan(0);
    // SKIP LOCKED: a claimed row is never published by the other relay
    expect(received).toHaveLength(300);
  });

  it('republishes a batch whose relay died after the confirms but before marking it processed', async () => {
    // Given a relay that "dies" between the broker's confirm and the mark
    const events = freshEvents(10);
    await insertEvents(events);
    const crashing = await startRelay({
      afterConfirm: () => Promise.reject(new Error('simulated crash between confirm and mark')),
    });
    await expect(crashing.relayOnce()).rejects.toThrow('simulated crash');
    expect(await unprocessed()).toBe(10);

    // When a healthy relay runs
    const healthy = await startRelay();
    await healthy.relayOnce();

    // Then every event was published twice (at-least-once: the read side deduplicates) and is now processed
    const received = (await drainWorkQueue()).map((m) => String(m.properties.messageId));
    expect(received).toHaveLength(20);
    for (const e of events) expect(received.filter((id) => id === e.eventId)).toHaveLength(2);
    expect(await unprocessed()).toBe(0);
    const [row] = await db.query<{ attempts: number; last_error: string }>('SELECT attempts, last_error FROM proposalevents LIMIT 1');
    expect(row).toMatchObject({ attempts: 1, last_error: 'simulated crash between confirm and mark' });
  });
});
