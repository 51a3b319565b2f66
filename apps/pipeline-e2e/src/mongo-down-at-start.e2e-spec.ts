import { http, PrivateFerretDb, TestPipeline, waitFor } from '@acme/testing';

/**
 * MongoDB down when the read side starts (a machine booting, a lab's `mongo stop` before `npm start`):
 * the subscriber and the query API start anyway, answer 503 for what needs MongoDB, and work once it
 * answers — without a restart, and without dead-lettering the events that waited meanwhile.
 */
describe('the read side started while MongoDB is down', () => {
  let ferret: PrivateFerretDb;
  let pipeline: TestPipeline;

  beforeAll(async () => {
    ferret = await PrivateFerretDb.start();
    pipeline = await TestPipeline.start({ mongoUrl: ferret.url, env: { RETRY_DELAY_MS: '300', MAX_ATTEMPTS: '3' } });
  });

  afterAll(async () => {
    await pipeline?.stop();
    await ferret?.destroy();
  });

  it('projects the events written meanwhile once MongoDB answers, and query-api serves them, with no restart', async () => {
    // Given MongoDB down, then the subscriber and the query API (re)started
    await ferret.kill();
    await Promise.all([pipeline.subscribers[0]!.restart({ waitHealthy: false }), pipeline.queryApi.restart({ waitHealthy: false })]);
    const created = await http('POST', `${pipeline.commandApi.url}/proposals`, {
      customerId: 1,
      packageId: 'BAHAMA5NIGHT@COCOCLUB',
      pax: [{ firstName: 'Mo', lastName: 'Ngo', age: 40 }],
    });
    expect(created.status).toBe(201);
    const id = (created.body as { proposalId: number }).proposalId;
    // (not listening yet while it starts: refused)
    const read = await waitFor(() => http('GET', `${pipeline.queryApi.url}/proposals/${id}`).catch(() => undefined), 'query-api to answer');
    expect(read.status).toBe(503);
    // (longer than MAX_ATTEMPTS × RETRY_DELAY_MS: the event must not be dead-lettered for want of MongoDB)
    await new Promise((r) => setTimeout(r, 3_000));

    // When MongoDB comes up
    await ferret.resume();

    // Then, with no restart, the event is projected and the query API serves it
    const view = await waitFor(async () => {
      const res = await http('GET', `${pipeline.queryApi.url}/proposals/${id}`);
      return res.status === 200 && res.body;
    }, 'the proposal on the read side', 30_000, 200).catch((error: Error) => {
      const tail = (app: { output: string }) => app.output.split('\n').slice(-25).join('\n');
      throw new Error(`${error.message}\n--- proposal-subscriber ---\n${tail(pipeline.subscribers[0]!)}\n--- query-api ---\n${tail(pipeline.queryApi)}`);
    });
    expect(view).toMatchObject({ proposalId: id, version: 1 });
    await pipeline.subscribers[0]!.waitHealthy();
    await pipeline.queryApi.waitHealthy();
    expect([pipeline.subscribers[0]!.crashes, pipeline.queryApi.crashes]).toEqual([0, 0]);
  });
});
