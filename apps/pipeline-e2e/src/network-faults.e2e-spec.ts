import { http, TestPipeline, Toxiproxy, waitFor, type ProxiedLink } from '@acme/testing';

/**
 * Network faults, not stopped servers: the apps reach PostgreSQL, RabbitMQ and MongoDB through Toxiproxy,
 * which resets or silences the real TCP links. A fault is a dependency fault: 503 where a request
 * needs it, recovery by itself, and never a crash (each app's unplanned exits are counted).
 */
const proposal = (lastName: string) => ({
  customerId: 1,
  packageId: 'BAHAMA5NIGHT@COCOCLUB',
  pax: [{ firstName: 'Ada', lastName, age: 36 }],
});

describe('network faults on the links to PostgreSQL, RabbitMQ and MongoDB', () => {
  let toxiproxy: Toxiproxy;
  let postgres: ProxiedLink;
  let rabbitmq: ProxiedLink;
  let mongodb: ProxiedLink;
  let pipeline: TestPipeline;

  beforeAll(async () => {
    toxiproxy = await Toxiproxy.start();
    pipeline = await TestPipeline.start({
      // Short bounds, so that a silent link is detected within this test's time.
      env: { PG_QUERY_TIMEOUT_MS: '2000', PG_CONNECT_TIMEOUT_MS: '2000', PUBLISH_CONFIRM_TIMEOUT_MS: '3000', MONGO_SOCKET_TIMEOUT_MS: '2000' },
      rewire: async (env) => {
        postgres = await toxiproxy.link('postgres', env.DATABASE_URL ?? '');
        rabbitmq = await toxiproxy.link('rabbitmq', env.AMQP_URL ?? '');
        mongodb = await toxiproxy.link('mongodb', env.MONGO_URL ?? '');
        return { ...env, DATABASE_URL: postgres.url, AMQP_URL: rabbitmq.url, MONGO_URL: mongodb.url };
      },
    });
  });

  afterAll(async () => {
    await pipeline?.stop();
    await toxiproxy?.stop();
  });

  afterEach(async () => {
    await postgres.heal();
    await rabbitmq.heal();
    await mongodb.heal();
    // Then, whatever the fault was: no app process ended on it
    const apps = [pipeline.commandApi, pipeline.queryApi, ...pipeline.processors, ...pipeline.subscribers];
    expect(apps.filter((app) => app.crashes > 0).map((app) => `${app.name}: ${app.output.slice(-1500)}`)).toEqual([]);
  });

  const create = (lastName: string) => http('POST', `${pipeline.commandApi.url}/proposals`, proposal(lastName));
  const projected = (id: number) =>
    waitFor(async () => (await http('GET', `${pipeline.queryApi.url}/proposals/${id}`)).status === 200, `proposal ${id} on the read side`, 30_000, 100);

  it('answers 503 DEPENDENCY.UNAVAILABLE (not 500) while the PostgreSQL link is reset, and recovers by itself', async () => {
    // Given a working pipeline
    const before = await create('Before');
    expect(before.status).toBe(201);

    // When every PostgreSQL connection is reset
    await postgres.reset();
    const during = await create('During');

    // Then the write is refused as a dependency fault, and nothing was stored
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ code: 'DEPENDENCY.UNAVAILABLE' });

    // And once the link heals, writes and the relay work again without a restart
    await postgres.heal();
    const after = await waitFor(async () => {
      const res = await create('After');
      return res.status === 201 ? (res.body as { proposalId: number }) : null;
    }, 'a write after the link healed', 20_000, 200);
    await projected((before.body as { proposalId: number }).proposalId);
    await projected(after.proposalId);
  });

  it('answers 503 within the query bound while the PostgreSQL link is silent, then recovers', async () => {
    // Given a silent link (no FIN, no RST: a partition)
    await postgres.silence();

    // When a write comes in
    const started = Date.now();
    const during = await create('Silent');

    // Then it fails as a dependency fault within the configured bounds, instead of hanging
    expect(during.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(10_000);

    // And after the partition the pipeline is whole again
    await postgres.heal();
    const after = await waitFor(async () => {
      const res = await create('AfterSilence');
      return res.status === 201 ? (res.body as { proposalId: number }) : null;
    }, 'a write after the partition', 30_000, 250);
    await projected(after.proposalId);
  });

  it('loses nothing while the RabbitMQ links are reset and then silent: the events wait in the outbox and arrive after', async () => {
    // Given the broker links reset, then silent, while proposals are written
    await rabbitmq.reset();
    const first = await create('DuringReset');
    await new Promise((r) => setTimeout(r, 1_500));
    await rabbitmq.heal();
    await rabbitmq.silence();
    const second = await create('DuringSilence');
    expect([first.status, second.status]).toEqual([201, 201]);
    await new Promise((r) => setTimeout(r, 4_000));

    // When the link heals
    await rabbitmq.heal();

    // Then both events reach the read side (heartbeats and confirm timeouts noticed the silent link)
    await projected((first.body as { proposalId: number }).proposalId);
    await projected((second.body as { proposalId: number }).proposalId);
  });

  it('keeps working over a slow link cut into tiny TCP segments', async () => {
    // Given 50 ms of latency and 7-byte segments on both links
    await postgres.slow(50);
    await rabbitmq.slice(7);

    // When a proposal is written, Then it is stored and projected
    const res = await create('Sliced');
    expect(res.status).toBe(201);
    await projected((res.body as { proposalId: number }).proposalId);
  });

  it('projects what arrived while the MongoDB link was silent once it heals, and the query API answers 503 meanwhile', async () => {
    // Given a proposal projected, then the read side's links silent (no FIN, no RST) while another is written
    const before = await create('BeforeSilence');
    await projected((before.body as { proposalId: number }).proposalId);
    await mongodb.silence();
    const during = await create('DuringMongoSilence');
    expect(during.status).toBe(201);

    // Then a read that needs MongoDB is a dependency fault within the bound, not a hang or a 500
    const started = Date.now();
    const read = await http('GET', `${pipeline.queryApi.url}/proposals/${(before.body as { proposalId: number }).proposalId}`);
    expect(read.status).toBe(503);
    expect(read.body.code).toBe('DEPENDENCY.UNAVAILABLE');
    // bounded: the socket timeout (2 s), the driver's one retry of a read (server selection ≤ 3 s, then
    // another socket timeout), and the HTTP layer — never a hang
    expect(Date.now() - started).toBeLessThan(15_000);
    // (the subscriber's write in flight on the silent link fails after MONGO_SOCKET_TIMEOUT_MS and is retried)
    await new Promise((r) => setTimeout(r, 4_000));

    // When the link heals, Then the event written during the silence reaches the read side
    await mongodb.heal();
    await projected((during.body as { proposalId: number }).proposalId);
  });
});
