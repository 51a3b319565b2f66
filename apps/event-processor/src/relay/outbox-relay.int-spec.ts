import { HEADERS, TOPOLOGY, type ProposalEvent } from '@acme/contracts';
import { ConfirmPublisher, declareTopology } from '@acme/messaging';
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
import type { Channel, GetMessage } from 'amqplib';
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
  function startRelay(options: Partial<RelayOptions> = {}, maxAttempts = 5): OutboxRelay {
    const pool = new Pool({ connectionString: db.url, max: 4 });
    const publisher = new ConfirmPublisher(
      vhost.url,
      'test-relay',
      { setup: (channel) => declareTopology(channel, TOPOLOGY_OPTIONS), confirmTimeoutMs: 5_000 },
      quiet,
    );
    const relay = new OutboxRelay(new OutboxRelayStore(pool, maxAttempts), publisher, { batchSize: 50, pollIntervalMs: 100, ...options }, quiet);
    cleanups.push(async () => {
      await relay.stop();
      await publisher.close();
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
    const relay = startRelay();
    const relayed = await relay.relayOnce();

    // Then every event is on the queue, in outbox order, shaped as the contract says, and marked processed
    expect(relayed.processed).toBe(4);
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
    const relay = startRelay();
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
    const [a, b] = [startRelay({ batchSize: 7 }), startRelay({ batchSize: 11 })];
    a.start();
    b.start();
    await waitFor(async () => (await unprocessed()) === 0, 'backlog drained by two relays', 60_000, 100);

    // Then every event was published, and both relays took part
    const received = (await drainWorkQueue()).map((m) => String(m.properties.messageId));
    expect(new Set(received)).toEqual(new Set(events.map((e) => e.eventId)));
    expect(a.status.publishedByThisRelay).toBeGreaterThan(0);
    expect(b.status.publishedByThisRelay).toBeGreaterThan(0);
    // SKIP LOCKED: a claimed row is never published by the other relay
    expect(received).toHaveLength(300);
  });

  it('republishes a batch whose relay died after the confirms but before marking it processed', async () => {
    // Given a relay that "dies" between the broker's confirm and the mark
    const events = freshEvents(10);
    await insertEvents(events);
    const crashing = startRelay({
      afterConfirm: () => Promise.reject(new Error('simulated crash between confirm and mark')),
    });
    await expect(crashing.relayOnce()).rejects.toThrow('simulated crash');
    expect(await unprocessed()).toBe(10);
    // the crash is no fault of the rows: it does not count towards parking them
    const [row] = await db.query<{ attempts: number; last_error: string }>('SELECT attempts, last_error FROM proposalevents LIMIT 1');
    expect(row).toMatchObject({ attempts: 0, last_error: 'simulated crash between confirm and mark' });

    // When a healthy relay runs
    const healthy = startRelay();
    await healthy.relayOnce();

    // Then every event was published twice (at-least-once: the read side deduplicates) and is now processed
    const received = (await drainWorkQueue()).map((m) => String(m.properties.messageId));
    expect(received).toHaveLength(20);
    for (const e of events) expect(received.filter((id) => id === e.eventId)).toHaveLength(2);
    expect(await unprocessed()).toBe(0);
  });

  it('keeps events that no queue took unprocessed, with the reason, and publishes them once the queue is bound again', async () => {
    // Given a running relay (its channel open: it declared the topology) and then the work queue
    // unbound from the exchange (an operator mistake, a topology change in flight)
    const relay = startRelay();
    await relay.relayOnce();
    const admin = await vhost.connect();
    const ops = await admin.createChannel();
    await ops.unbindQueue(TOPOLOGY.workQueue, TOPOLOGY.exchange, TOPOLOGY.workBinding);
    const events = freshEvents(3);
    await insertEvents(events);
    try {
      // When the relay publishes them (the broker confirms them, but returns them as unroutable first)
      const result = await relay.relayOnce();

      // Then none is marked processed, and each row says why
      expect(result).toMatchObject({ claimed: 3, processed: 0, unroutable: 3, parked: [] });
      const rows = await db.query<{ processed: boolean; last_error: string | null; attempts: number; parked_at: Date | null }>(
        'SELECT processed, last_error, attempts, parked_at FROM proposalevents ORDER BY event_id',
      );
      for (const row of rows) {
        expect(row).toMatchObject({ processed: false, attempts: 0, parked_at: null });
        expect(row.last_error).toMatch(/^unroutable: no queue is bound to acme\.sales\.topic for proposal\.created/);
      }

      // And the running relay reports it, then resumes by itself once the binding is back
      relay.start();
      await waitFor(() => Promise.resolve(relay.status.state === 'unroutable'), 'the relay to report unroutable', 5_000, 50);
      await ops.bindQueue(TOPOLOGY.workQueue, TOPOLOGY.exchange, TOPOLOGY.workBinding);
      await waitFor(async () => (await unprocessed()) === 0, 'the events to be published after the bind', 30_000, 100);
      expect(relay.status.state).toBe('publishing');
      const received = (await drainWorkQueue()).map((m) => String(m.properties.messageId));
      expect(new Set(received)).toEqual(new Set(events.map((e) => e.eventId)));
    } finally {
      await ops.bindQueue(TOPOLOGY.workQueue, TOPOLOGY.exchange, TOPOLOGY.workBinding).catch(() => undefined);
      await admin.close();
    }
  });

  it('parks a malformed row written by hand with its reason, publishes the rows around it once each, and keeps going', async () => {
    // Given a good event, a row a student wrote by hand, and another good event
    const [good1, good2] = freshEvents(2);
    const [goodId1] = await insertEvents([good1!]);
    const [bad] = await db.query<{ event_id: string }>(
      `INSERT INTO proposalevents (proposal_id, event_guid, event_type, aggregate_version, payload)
       VALUES (1, gen_random_uuid(), 'proposal.created', 1, '{"hand":"written"}') RETURNING event_id`,
    );
    const [goodId2] = await insertEvents([good2!]);

    // When the relay runs twice
    const relay = startRelay();
    const first = await relay.relayOnce();
    const second = await relay.relayOnce();

    // Then the bad row is parked with a reason that names the cause, and never published
    expect(first).toMatchObject({ claimed: 3, processed: 2, parked: [Number(bad?.event_id)] });
    expect(second.claimed).toBe(0);
    const [parked] = await db.query<{ processed: boolean; parked_at: Date | null; last_error: string }>(
      'SELECT processed, parked_at, last_error FROM proposalevents WHERE event_id = $1',
      [bad?.event_id],
    );
    expect(parked?.processed).toBe(false);
    expect(parked?.parked_at).toBeInstanceOf(Date);
    expect(parked?.last_error).toMatch(/^malformed outbox row: payload contract violation/);
    // and the good ones went out exactly once and are processed
    const received = (await drainWorkQueue()).map((m) => Number(m.properties.headers?.[HEADERS.outboxEventId]));
    expect(received).toEqual([goodId1, goodId2]);
    expect(await unprocessed()).toBe(1);

    // And once re-driven (after a fix by hand), the row is claimed again
    await db.query(`UPDATE proposalevents SET payload = $2 WHERE event_id = $1`, [bad?.event_id, sampleEvent(1, 1)]);
    const pool = new Pool({ connectionString: db.url, max: 1 });
    cleanups.push(() => pool.end());
    expect(await new OutboxRelayStore(pool).redriveParked({ all: true })).toEqual([Number(bad?.event_id)]);
  });

  it('parks a row whose own publish keeps failing after RELAY_MAX_ATTEMPTS, while the channel recovers and the rows behind it flow', async () => {
    // Given a contract-valid event whose headers cannot be encoded (a 70 kB traceparent: over 64 KiB)
    const [poison, after] = freshEvents(2);
    await db.query(
      `INSERT INTO proposalevents (proposal_id, event_guid, event_type, aggregate_version, payload)
       VALUES ($1, $2, $3, $4, $5)`,
      [poison!.proposalId, poison!.eventId, poison!.type, poison!.version, { ...poison!, traceparent: 'x'.repeat(70_000) }],
    );
    await insertEvents([after!]);
    const relay = startRelay({}, 2);

    // When the relay tries twice
    const first = await relay.relayOnce();
    const second = await relay.relayOnce();

    // Then the good event went out the first time, and the poison is parked on its second failure
    expect(first).toMatchObject({ claimed: 2, processed: 1, parked: [] });
    expect(second).toMatchObject({ claimed: 1, processed: 0, parked: [expect.any(Number)] });
    const [row] = await db.query<{ attempts: number; last_error: string }>('SELECT attempts, last_error FROM proposalevents WHERE parked_at IS NOT NULL');
    expect(row?.attempts).toBe(2);
    expect(row?.last_error).toMatch(/^cannot be published/);
    // and the relay publishes on a working channel afterwards
    const [later] = freshEvents(1);
    await insertEvents([later!]);
    expect(await relay.relayOnce()).toMatchObject({ processed: 1 });
    const received = (await drainWorkQueue()).map((m) => String(m.properties.messageId));
    expect(received).toEqual([after!.eventId, later!.eventId]);
  });

  it('recovers from its exchange being deleted under it: the broker closes the channel, no row is blamed or parked, all go out', async () => {
    // Given a relay with an open channel, and then the exchange deleted (its bindings go with it)
    const relay = startRelay();
    await relay.relayOnce();
    const admin = await vhost.connect();
    await (await admin.createChannel()).deleteExchange(TOPOLOGY.exchange);
    await admin.close();
    const events = freshEvents(3);
    await insertEvents(events);

    // When it relays: the publish into a missing exchange makes RabbitMQ close the channel (404)
    await expect(relay.relayOnce()).rejects.toThrow(/closed the channel/);

    // Then the next tries open a new channel (which declares the exchange and binding again), go
    // one row at a time while they find out whether a row was at fault, and publish every event
    for (let i = 0; i < 3; i++) expect(await relay.relayOnce()).toMatchObject({ claimed: 1, processed: 1 });
    expect(await unprocessed()).toBe(0);
    const rows = await db.query<{ attempts: number; parked_at: Date | null }>('SELECT attempts, parked_at FROM proposalevents');
    expect(rows.every((r) => r.attempts === 0 && r.parked_at === null)).toBe(true);
    const received = (await drainWorkQueue()).map((m) => String(m.properties.messageId));
    expect(received).toEqual(events.map((e) => e.eventId));
  });

  it('survives its claimed connection being killed mid-batch: the batch fails, nothing crashes, and it is published again', async () => {
    // Given a relay whose claim connection is terminated by the server after the confirms
    const events = freshEvents(3);
    await insertEvents(events);
    const relay = startRelay({
      afterConfirm: async () => {
        await db.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()`,
        );
        await new Promise((r) => setTimeout(r, 200)); // the 'error' event arrives on the idle, checked-out client
      },
    });

    // When it relays: the mark fails (no crash: an unheard 'error' event would end the process)
    await expect(relay.relayOnce()).rejects.toThrow();
    expect(await unprocessed()).toBe(3);

    // Then a healthy relay publishes the batch again and marks it
    const healthy = startRelay();
    expect(await healthy.relayOnce()).toMatchObject({ processed: 3 });
    expect(await unprocessed()).toBe(0);
  });
});
