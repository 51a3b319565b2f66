import { http, startRabbitApp, stopRabbitApp, TestPipeline, waitFor } from '@acme/testing';

/**
 * The course's labs as tests, against the four apps running as processes on real services.
 * Lab 2 and Lab 1 stop the shared RabbitMQ (`rabbitmqctl stop_app`) and always start it again.
 */
const newProposal = (lastName: string) => ({
  customerId: 1,
  packageId: 'BAHAMA5NIGHT@COCOCLUB',
  pax: [
    { firstName: 'Zoë', lastName, age: 34 },
    { firstName: 'Seán', middleName: "D'Arcy", lastName, age: 7 },
  ],
});

const MIN_VERSION_WAIT_MS = 10_000;

describe('course labs, end to end', () => {
  let pipeline: TestPipeline;

  beforeAll(async () => {
    // query-api re-reads a waiting `?minVersion` view only once a minute on its own, and at the end of
    // the wait: in these tests the subscriber's projection notices are what answer read-your-writes.
    pipeline = await TestPipeline.start({ env: { MIN_VERSION_POLL_MS: '60000', MIN_VERSION_WAIT_MS: String(MIN_VERSION_WAIT_MS) } });
    await waitFor(
      async () => (await http('GET', `${pipeline.queryApi.url}/health`)).body.readYourWrites === 'notified',
      'query-api to listen for projection notices',
      10_000,
    );
  });

  afterAll(async () => {
    await pipeline.stop();
  });

  const command = (method: string, path: string, body?: unknown) => http(method, `${pipeline.commandApi.url}${path}`, body);
  const query = (path: string) => http('GET', `${pipeline.queryApi.url}${path}`);

  it('shows a created proposal on the read side (read-your-writes with minVersion)', async () => {
    // Given a proposal created through the command API
    const created = await command('POST', '/proposals', newProposal("O'Brien"));
    expect(created.status).toBe(201);
    const { proposalId, version } = created.body as { proposalId: number; version: number };

    // When the query API is asked for at least that version
    const view = await query(`/proposals/${proposalId}?minVersion=${version}`);

    // Then the projected view is there, names intact
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ proposalId, version: 1, status: 'ON_HOLD', customer: { customerId: 1 } });
    expect((view.body as { pax: { firstName: string; middleName: string | null }[] }).pax.map((p) => [p.firstName, p.middleName])).toEqual([
      ['Zoë', null],
      ['Seán', "D'Arcy"],
    ]);
    const customer = await query('/customers/1/proposals');
    expect((customer.body as { proposals: { proposalId: number }[] }).proposals.map((p) => p.proposalId)).toContain(proposalId);
  });

  it('answers a read-your-writes GET opened before the write as soon as the subscriber announces the version', async () => {
    // Given a projected proposal, and a client already waiting for its version 2
    const { body: created } = await command('POST', '/proposals', newProposal('Waiting'));
    const { proposalId } = created as { proposalId: number };
    expect((await query(`/proposals/${proposalId}?minVersion=1`)).status).toBe(200);
    const askedAt = Date.now();
    const waiting = query(`/proposals/${proposalId}?minVersion=2`);

    // When version 2 is written
    const changed = await command('PATCH', `/proposals/${proposalId}/status`, { status: 'AWAITING_CONFIRMATION', expectedVersion: 1 });
    expect(changed.status).toBe(200);

    // Then the waiting read returns it when it is projected: well before its wait runs out (without a
    // notice it would see version 2 only at its last read, MIN_VERSION_WAIT_MS after asking)
    const view = await waiting;
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ proposalId, version: 2, status: 'AWAITING_CONFIRMATION' });
    expect(Date.now() - askedAt).toBeLessThan(MIN_VERSION_WAIT_MS - 2_000);
  });

  it('Lab 3: a replayed outbox event is detected as a duplicate, logged, and changes no view', async () => {
    // Given a proposal whose creation and status change have been projected
    const { body: created } = await command('POST', '/proposals', newProposal('Duplicate'));
    const { proposalId } = created as { proposalId: number; outboxEventId: number };
    const changed = await command('PATCH', `/proposals/${proposalId}/status`, { status: 'AWAITING_CONFIRMATION', expectedVersion: 1 });
    expect(changed.status).toBe(200);
    const before = await query(`/proposals/${proposalId}?minVersion=2`);
    expect(before.status).toBe(200);

    // When the course's lab step marks the creation event unprocessed again
    await pipeline.db.query('UPDATE proposalevents SET processed = false WHERE event_id = $1', [
      (created as { outboxEventId: number }).outboxEventId,
    ]);

    // Then the relay republishes it, the subscriber logs it as a duplicate, and the view is unchanged
    const eventId = (created as { eventId: string }).eventId;
    const duplicate = await waitFor(async () => {
      const res = await query('/duplicates');
      return (res.body as { items: { eventId: string; count: number }[] }).items.find((d) => d.eventId === eventId);
    }, 'the duplicate in GET /duplicates');
    expect(duplicate.count).toBe(1);
    expect((await query(`/proposals/${proposalId}`)).body).toEqual(before.body);
    const history = await query(`/proposals/${proposalId}/events`);
    expect((history.body as { events: { version: number }[] }).events.map((e) => e.version)).toEqual([1, 2]);
  });

  it('Lab 2: with RabbitMQ stopped, writes still succeed and the read side catches up after it starts', async () => {
    // Given RabbitMQ is down
    await stopRabbitApp();
    const ids: number[] = [];
    try {
      // When proposals are created during the outage
      for (let i = 0; i < 5; i++) {
        const res = await command('POST', '/proposals', newProposal(`Outage${i}`));
        expect(res.status).toBe(201);
        ids.push((res.body as { proposalId: number }).proposalId);
      }
      // Then they wait in the outbox, unprocessed
      const [row] = await pipeline.db.query<{ n: string }>('SELECT count(*) AS n FROM proposalevents WHERE NOT processed');
      expect(Number(row?.n)).toBeGreaterThanOrEqual(5);
    } finally {
      await startRabbitApp();
    }

    // And after RabbitMQ is back every one of them reaches the read side
    for (const id of ids) {
      await waitFor(async () => (await query(`/proposals/${id}`)).status === 200, `proposal ${id} on the read side`, 60_000, 200);
    }
    await Promise.all([...pipeline.processors, ...pipeline.subscribers].map((app) => app.waitHealthy(60_000)));
  });
});

describe('Lab 1: the dual-write flaw (PUBLISH_MODE=direct)', () => {
  let pipeline: TestPipeline;

  beforeAll(async () => {
    pipeline = await TestPipeline.start({ commandApiEnv: { PUBLISH_MODE: 'direct' } });
  });

  afterAll(async () => {
    await pipeline.stop();
  });

  it('loses the event of a write made while RabbitMQ is down, although the request succeeded', async () => {
    // Given direct publishing and a stopped broker
    await stopRabbitApp();
    let proposalId: number;
    try {
      // When a proposal is created
      const res = await http('POST', `${pipeline.commandApi.url}/proposals`, newProposal('Lost'));
      // Then the client is told it worked, and there is no outbox row to recover from
      expect(res.status).toBe(201);
      proposalId = (res.body as { proposalId: number }).proposalId;
      expect(await pipeline.db.query('SELECT 1 FROM proposalevents')).toHaveLength(0);
    } finally {
      await startRabbitApp();
    }

    // And even after RabbitMQ is back (the API reconnected: its health checks the broker in direct
    // mode), the read side never hears of it: the event is lost
    await pipeline.commandApi.waitHealthy();
    const control = await http('POST', `${pipeline.commandApi.url}/proposals`, newProposal('Control'));
    const controlId = (control.body as { proposalId: number }).proposalId;
    await waitFor(
      async () => (await http('GET', `${pipeline.queryApi.url}/proposals/${controlId}`)).status === 200,
      'a proposal created after the outage to be projected',
      30_000,
      200,
    );
    expect((await http('GET', `${pipeline.queryApi.url}/proposals/${proposalId}`)).status).toBe(404);
  });
});
