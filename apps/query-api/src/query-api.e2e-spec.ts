import { TOPOLOGY, type CustomerSnapshot, type ProposalEvent } from '@acme/contracts';
import { connectAmqp, ProjectionNoticePublisher } from '@acme/messaging';
import { COLLECTIONS, InboxProjector, type InboxOutcome } from '@acme/read-model';
import {
  createTestMongo,
  createTestVhost,
  http,
  newProposalId,
  removedEvent,
  RunningApp,
  sampleEvent,
  testEnv,
  type TestMongo,
  type TestVhost,
  waitFor,
} from '@acme/testing';
import type { AmqpConnectionManager } from 'amqp-connection-manager';
import { setTimeout as sleep } from 'node:timers/promises';

const MIN_VERSION_WAIT_MS = 1_500;
const PROBLEM_JSON = /^application\/problem\+json/;

/** Customers are made up per test (the database is this file's own), so no test sees another's proposals. */
let nextCustomerId = 100;
function newCustomer(): CustomerSnapshot {
  const customerId = nextCustomerId++;
  return {
    customerId,
    email: `customer${customerId}@example.com`,
    firstName: 'Donegan',
    middleName: null,
    lastName: `Woolworth${customerId}`,
    phone: null,
  };
}

describe('query-api over HTTP, on views written by the real projector', () => {
  let mongo: TestMongo;
  let app: RunningApp;
  let projector: InboxProjector;

  beforeAll(async () => {
    mongo = await createTestMongo();
    projector = new InboxProjector(mongo.db);
    app = await RunningApp.start('query-api', {
      MONGO_URL: testEnv().mongoUrl,
      MONGO_DB: mongo.dbName,
      MIN_VERSION_WAIT_MS: String(MIN_VERSION_WAIT_MS),
      AMQP_URL: '', // no projection notices: ?minVersion polls (the fallback path; notices are tested below)
    });
  });

  afterAll(async () => {
    await app?.stop();
    await mongo?.drop();
  });

  /** Runs events through the projector one after the other, as the subscriber does. */
  async function project(...events: ProposalEvent[]): Promise<InboxOutcome[]> {
    const outcomes: InboxOutcome[] = [];
    for (const event of events) outcomes.push(...(await projector.project([event])));
    return outcomes;
  }

  /** Creates a proposal at version `versions` (each update a new event); returns all its events. */
  async function projectedProposal(
    overrides: Partial<ProposalEvent['proposal']> = {},
    versions = 1,
  ): Promise<ProposalEvent[]> {
    const proposalId = newProposalId();
    const events = Array.from({ length: versions }, (_, i) => sampleEvent(proposalId, i + 1, overrides));
    await project(...events);
    return events;
  }

  const get = (path: string) => http('GET', `${app.url}${path}`);

  /** Walks the list endpoint page by page, following nextCursor; returns every page's ids. */
  async function walkPages(query: string): Promise<number[][]> {
    const pages: number[][] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`/proposals?${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      pages.push(res.body.items.map((p: { proposalId: number }) => p.proposalId));
      cursor = res.body.nextCursor;
    } while (cursor !== null && pages.length < 50);
    return pages;
  }

  describe('GET /proposals/:id', () => {
    it('returns the projected view with exactly the public fields (no _id or storage details)', async () => {
      // given
      const [created] = await projectedProposal({ notes: 'window seat' });
      const event = created!;

      // when
      const res = await get(`/proposals/${event.proposalId}`);

      // then
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        proposalId: event.proposalId,
        version: 1,
        customer: event.proposal.customer,
        packageId: event.proposal.packageId,
        status: event.proposal.status,
        pax: event.proposal.pax,
        expiresAt: event.proposal.expiresAt,
        notes: 'window seat',
        createdAt: event.proposal.createdAt,
        updatedAt: event.proposal.updatedAt,
      });
    });

    it('returns the latest version after several updates', async () => {
      // given
      const events = await projectedProposal({ status: 'AWAITING_CONFIRMATION' }, 3);

      // when
      const res = await get(`/proposals/${events[0]!.proposalId}`);

      // then
      expect(res.body).toMatchObject({ version: 3, status: 'AWAITING_CONFIRMATION', updatedAt: events[2]!.proposal.updatedAt });
    });

    it('answers 404 problem+json PROPOSAL.NOT_FOUND for a proposal that does not exist', async () => {
      // when
      const res = await get(`/proposals/${newProposalId()}`);

      // then
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status: 404, code: 'PROPOSAL.NOT_FOUND' });
    });

    it('answers 404 PROPOSAL.NOT_FOUND for a removed proposal: the tombstone is never served', async () => {
      // given
      const [created] = await projectedProposal();
      await project(removedEvent(created!));

      // when
      const res = await get(`/proposals/${created!.proposalId}`);

      // then
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ code: 'PROPOSAL.NOT_FOUND' });
    });
  });

  describe('GET /proposals/:id?minVersion (read-your-writes)', () => {
    it('waits for a version projected while the request is open and returns it', async () => {
      // given a view at version 1, and version 2 projected ~300 ms after the client asks for it
      const [created] = await projectedProposal();
      const proposalId = created!.proposalId;
      const startedAt = Date.now();
      const request = get(`/proposals/${proposalId}?minVersion=2`);
      await sleep(300);
      await project(sampleEvent(proposalId, 2, { status: 'ACCEPTED' }));

      // when
      const res = await request;

      // then the client sees its own write, without a retry of its own
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ proposalId, version: 2, status: 'ACCEPTED' });
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
    });

    it('returns at once when the view is already at or past the version asked for', async () => {
      // given
      const events = await projectedProposal({}, 3);

      // when
      const res = await get(`/proposals/${events[0]!.proposalId}?minVersion=2`);

      // then
      expect(res.status).toBe(200);
      expect(res.body.version).toBe(3);
    });

    it('answers 503 VIEW.NOT_CAUGHT_UP with Retry-After after about MIN_VERSION_WAIT_MS when the version never arrives', async () => {
      // given
      const [created] = await projectedProposal();
      const startedAt = Date.now();

      // when
      const res = await get(`/proposals/${created!.proposalId}?minVersion=9`);

      // then
      const elapsed = Date.now() - startedAt;
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status: 503, code: 'VIEW.NOT_CAUGHT_UP' });
      expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(elapsed).toBeGreaterThanOrEqual(MIN_VERSION_WAIT_MS - 100);
      expect(elapsed).toBeLessThan(MIN_VERSION_WAIT_MS + 1_500);
    });
  });

  describe('GET /proposals (list)', () => {
    it('filters by customerId: only that customer’s proposals, in id order', async () => {
      // given two customers with proposals
      const customer = newCustomer();
      const mine = [await projectedProposal({ customer }), await projectedProposal({ customer })];
      await projectedProposal({ customer: newCustomer() });

      // when
      const res = await get(`/proposals?customerId=${customer.customerId}`);

      // then
      expect(res.status).toBe(200);
      expect(res.body.items.map((p: { proposalId: number }) => p.proposalId)).toEqual(mine.map((e) => e[0]!.proposalId));
      expect(res.body.nextCursor).toBeNull();
    });

    it('filters by status: every item has the status asked for, and ours are among them', async () => {
      // given
      const expired = [await projectedProposal({ status: 'EXPIRED' }), await projectedProposal({ status: 'EXPIRED' })];
      await projectedProposal({ status: 'ON_HOLD' });

      // when
      const res = await get('/proposals?status=EXPIRED&limit=100');

      // then
      expect(res.status).toBe(200);
      const items: { proposalId: number; status: string }[] = res.body.items;
      expect(items.every((p) => p.status === 'EXPIRED')).toBe(true);
      expect(items.map((p) => p.proposalId)).toEqual(expect.arrayContaining(expired.map((e) => e[0]!.proposalId)));
    });

    it('combines the customerId and status filters', async () => {
      // given one customer with proposals in two statuses
      const customer = newCustomer();
      const [accepted] = await projectedProposal({ customer, status: 'ACCEPTED' });
      await projectedProposal({ customer, status: 'REJECTED' });

      // when
      const res = await get(`/proposals?customerId=${customer.customerId}&status=ACCEPTED`);

      // then
      expect(res.body.items.map((p: { proposalId: number }) => p.proposalId)).toEqual([accepted!.proposalId]);
    });

    it('leaves removed proposals out of the list', async () => {
      // given
      const customer = newCustomer();
      const [kept] = await projectedProposal({ customer });
      const [removed] = await projectedProposal({ customer });
      await project(removedEvent(removed!));

      // when
      const res = await get(`/proposals?customerId=${customer.customerId}`);

      // then
      expect(res.body.items.map((p: { proposalId: number }) => p.proposalId)).toEqual([kept!.proposalId]);
    });

    it('walks every proposal exactly once, in id order, following limit and nextCursor', async () => {
      // given seven proposals of one customer
      const customer = newCustomer();
      const ids: number[] = [];
      for (let i = 0; i < 7; i++) ids.push((await projectedProposal({ customer }))[0]!.proposalId);

      // when
      const pages = await walkPages(`customerId=${customer.customerId}&limit=3`);

      // then three pages (3 + 3 + 1), no id twice, none missing, ascending
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual([...ids].sort((a, b) => a - b));
    });

    it('answers 400 problem+json for a cursor this API did not issue', async () => {
      // given a well-formed base64url cursor whose content is not a proposal id
      const forged = Buffer.from(JSON.stringify({ after: 'first' })).toString('base64url');

      // when
      const res = await get(`/proposals?cursor=${forged}`);

      // then
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ code: 'VALIDATION.FAILED', errors: [expect.objectContaining({ field: 'cursor' })] });
    });
  });

  describe('GET /customers/:id/proposals', () => {
    it('returns the customer’s live proposals with the count by status, leaving removed ones out', async () => {
      // given a customer with two ON_HOLD proposals, one ACCEPTED, and one removed
      const customer = newCustomer();
      const [a] = await projectedProposal({ customer });
      const [b] = await projectedProposal({ customer });
      const [c] = await projectedProposal({ customer, status: 'ACCEPTED' });
      const [removed] = await projectedProposal({ customer, status: 'ACCEPTED' });
      await project(removedEvent(removed!));

      // when
      const res = await get(`/customers/${customer.customerId}/proposals`);

      // then
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        customerId: customer.customerId,
        proposalCount: 3,
        countByStatus: { ON_HOLD: 2, ACCEPTED: 1 },
      });
      expect(res.body.proposals).toEqual(
        [a!, b!, c!].map((e) => ({
          proposalId: e.proposalId,
          status: e.proposal.status,
          version: 1,
          packageId: e.proposal.packageId,
        })),
      );
    });

    it('answers a customer without proposals with proposalCount 0 and an empty list, not a 404', async () => {
      // when
      const res = await get(`/customers/${newCustomer().customerId}/proposals`);

      // then
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ proposalCount: 0, proposals: [] });
    });
  });

  describe('GET /proposals/:id/events', () => {
    it('lists the applied events in version order, once each, whatever order and how often they arrived', async () => {
      // given version 3 arriving before 2 (a gap: not applied), then 2, then 3 again and 2 once more
      const proposalId = newProposalId();
      const [v1, v2, v3] = [1, 2, 3].map((v) => sampleEvent(proposalId, v));
      const outcomes = await project(v1!, v3!, v2!, v3!, v2!);
      expect(outcomes.map((o) => o.kind)).toEqual(['applied', 'gap', 'applied', 'applied', 'duplicate']);

      // when
      const res = await get(`/proposals/${proposalId}/events`);

      // then
      expect(res.status).toBe(200);
      expect(res.body.proposalId).toBe(proposalId);
      expect(res.body.events.map((e: { eventId: string; version: number; type: string }) => [e.version, e.eventId, e.type])).toEqual([
        [1, v1!.eventId, 'proposal.created'],
        [2, v2!.eventId, 'proposal.updated'],
        [3, v3!.eventId, 'proposal.updated'],
      ]);
      expect(res.body.events[0]).toMatchObject({ occurredAt: v1!.occurredAt, event: v1 });
    });
  });

  describe('GET /duplicates', () => {
    it('shows an event projected twice once, with count 1 and its first and last sighting', async () => {
      // given
      const event = sampleEvent(newProposalId(), 1);
      const outcomes = await project(event, event);
      expect(outcomes.map((o) => o.kind)).toEqual(['applied', 'duplicate']);

      // when
      const res = await get('/duplicates');

      // then
      expect(res.status).toBe(200);
      const entries = res.body.items.filter((d: { eventId: string }) => d.eventId === event.eventId);
      expect(entries).toEqual([
        {
          eventId: event.eventId,
          proposalId: event.proposalId,
          version: 1,
          type: 'proposal.created',
          count: 1,
          firstSeenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          lastSeenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      ]);
      expect(Date.parse(entries[0].lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(entries[0].firstSeenAt));
    });

    it('counts every further copy of the same event on its one entry and moves its last sighting on', async () => {
      // given
      const event = sampleEvent(newProposalId(), 1);
      await project(event, event);
      await sleep(20);

      // when
      await project(event);
      const res = await get('/duplicates');

      // then
      const [entry] = res.body.items.filter((d: { eventId: string }) => d.eventId === event.eventId);
      expect(entry.count).toBe(2);
      expect(Date.parse(entry.lastSeenAt)).toBeGreaterThan(Date.parse(entry.firstSeenAt));
    });
  });

  describe('hostile input', () => {
    const operatorCursor = Buffer.from(JSON.stringify({ after: { $gt: 0 } })).toString('base64url');

    beforeAll(async () => {
      // Some data for a query injection to reach, were it to get through.
      await projectedProposal({}, 2);
      await projectedProposal({ status: 'ACCEPTED' });
    });

    /** Document counts of every read-side collection, and the collection names: what a write would change. */
    async function snapshot(): Promise<{ collections: string[]; counts: Record<string, number> }> {
      const collections = (await mongo.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
      const counts: Record<string, number> = {};
      for (const name of Object.values(COLLECTIONS)) counts[name] = await mongo.db.collection(name).countDocuments();
      return { collections, counts };
    }

    it.each([
      ['an operator in status', '/proposals?status[$ne]=x'],
      ['an operator in customerId', '/proposals?customerId[$gt]=0'],
      ['a non-numeric customerId', '/proposals?customerId=abc'],
      ['a fractional customerId', '/proposals?customerId=1.5'],
      ['an empty customerId', '/proposals?customerId='],
      ['limit 0', '/proposals?limit=0'],
      ['limit 1000', '/proposals?limit=1000'],
      ['a negative limit', '/proposals?limit=-1'],
      ['a repeated limit', '/proposals?limit=10&limit=20'],
      ['an unknown status', '/proposals?status=NOPE'],
      ['a repeated status', '/proposals?status=ON_HOLD&status=ACCEPTED'],
      ['an unknown query parameter', '/proposals?sort=_id'],
      ['an operator as a query parameter', '/proposals?%24where=sleep(1000)'],
      ['a cursor that is not base64url', '/proposals?cursor=!!!'],
      ['a cursor carrying an operator', `/proposals?cursor=${operatorCursor}`],
      ['a non-numeric id', '/proposals/abc'],
      ['id 0', '/proposals/0'],
      ['a negative id', '/proposals/-1'],
      ['an id in exponent notation', '/proposals/1e3'],
      ['an id in hex notation', '/proposals/0x10'],
      ['an id beyond 32 bits', '/proposals/99999999999'],
      ['an operator as the id', '/proposals/%24where'],
      ['a path traversal as the id', '/proposals/..%2F..%2Fetc'],
      ['a JSON operator as the id', '/proposals/%7B%22%24ne%22%3A1%7D'],
      ['a non-numeric minVersion', '/proposals/1?minVersion=abc'],
      ['minVersion 0', '/proposals/1?minVersion=0'],
      ['an operator in minVersion', '/proposals/1?minVersion[$gt]=0'],
      ['an unknown query parameter on a proposal', '/proposals/1?expand=all'],
      ['a non-numeric id for the events', '/proposals/abc/events'],
      ['an operator as the customer id', '/customers/%24where/proposals'],
      ['a negative customer id', '/customers/-1/proposals'],
      ['a duplicates limit of 100000', '/duplicates?limit=100000'],
      ['a non-numeric duplicates limit', '/duplicates?limit=abc'],
    ])('answers %s (%s) with 400 problem+json and a code, never 5xx, and writes nothing', async (_what, path) => {
      // given
      const before = await snapshot();

      // when
      const res = await get(path);

      // then
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status: 400, code: expect.stringMatching(/^[A-Z]+\.[A-Z_]+$/) });
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('operations', () => {
    it('serves the OpenAPI UI at /docs', async () => {
      // when
      const res = await fetch(`${app.url}/docs`);

      // then
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    });

    it('reports healthy at /health while MongoDB answers', async () => {
      // when
      const res = await get('/health');

      // then
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', checks: { mongodb: 'up' }, readYourWrites: 'polling' });
    });
  });
});

describe('query-api request logs', () => {
  it('logs each request as one JSON line with its trace id, but not the /health and /metrics probes', async () => {
    // given query-api logging at info
    const mongo = await createTestMongo();
    const app = await RunningApp.start('query-api', { MONGO_URL: testEnv().mongoUrl, MONGO_DB: mongo.dbName, AMQP_URL: '', LOG_LEVEL: 'info' });
    try {
      // when probed, then asked for a proposal
      await http('GET', `${app.url}/health`);
      await http('GET', `${app.url}/metrics`);
      const res = await http('GET', `${app.url}/proposals/424242`);
      await waitFor(() => Promise.resolve(app.output.includes('/proposals/424242')), 'the request log line', 5_000);

      // then the request is logged with its trace id, the probes are not
      const completed = app.output
        .split('\n')
        .filter((line) => line.includes('"msg":"request completed"'))
        .map((line) => JSON.parse(line) as { req: { url: string }; traceId?: string });
      expect(completed.map((l) => l.req.url)).toEqual(['/proposals/424242']);
      expect(completed[0]?.traceId).toBe(res.headers.get('traceparent')?.split('-')[1]);
    } finally {
      await app.stop();
      await mongo.drop();
    }
  });
});

describe('query-api with projection notices (AMQP_URL set): read-your-writes without polling', () => {
  // The fallback poll is a minute and the wait 20 s: a read that returns in time was woken by a notice.
  const POLL_MS = 60_000;
  let mongo: TestMongo;
  let vhost: TestVhost;
  let amqp: AmqpConnectionManager;
  let notices: ProjectionNoticePublisher;
  let app: RunningApp;
  let projector: InboxProjector;
  const quiet = { log: () => undefined, warn: () => undefined };

  beforeAll(async () => {
    [mongo, vhost] = await Promise.all([createTestMongo(), createTestVhost()]);
    projector = new InboxProjector(mongo.db);
    amqp = connectAmqp(vhost.url, 'query-api-e2e', quiet);
    notices = new ProjectionNoticePublisher(amqp, quiet);
    app = await RunningApp.start('query-api', {
      MONGO_URL: testEnv().mongoUrl,
      MONGO_DB: mongo.dbName,
      AMQP_URL: vhost.url,
      MIN_VERSION_WAIT_MS: '20000',
      MIN_VERSION_POLL_MS: String(POLL_MS),
    });
    await notices.waitForConnect();
    await waitFor(async () => (await http('GET', `${app.url}/health`)).body.readYourWrites === 'notified', 'query-api to listen for notices', 10_000);
  });

  afterAll(async () => {
    await app?.stop();
    await notices?.close();
    await amqp?.close();
    await vhost?.delete();
    await mongo?.drop();
  });

  it('wakes a waiting ?minVersion read when the subscriber announces the version, long before the next poll', async () => {
    // given a view at version 1 and a client waiting for version 2
    const proposalId = newProposalId();
    await projector.project([sampleEvent(proposalId, 1)]);
    const request = http('GET', `${app.url}/proposals/${proposalId}?minVersion=2`);
    await sleep(300);

    // when version 2 is projected and announced
    await projector.project([sampleEvent(proposalId, 2, { status: 'ACCEPTED' })]);
    const announcedAt = Date.now();
    notices.publish({ proposalId, version: 2 });

    // then the read answers with it at once
    const res = await request;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ proposalId, version: 2, status: 'ACCEPTED' });
    expect(Date.now() - announcedAt).toBeLessThan(5_000);
  });

  it('shrugs off garbage and other proposals on the notice exchange: the read still wakes on its own notice', async () => {
    // given a client waiting for version 2 of one proposal
    const proposalId = newProposalId();
    const other = newProposalId();
    await projector.project([sampleEvent(proposalId, 1)]);
    const request = http('GET', `${app.url}/proposals/${proposalId}?minVersion=2`);
    await sleep(300);

    // when garbage and another proposal's notice arrive first, then its own version is announced
    const connection = await vhost.connect();
    try {
      const channel = await connection.createChannel();
      channel.publish(TOPOLOGY.projectedExchange, '', Buffer.from('not json'));
      channel.publish(TOPOLOGY.projectedExchange, '', Buffer.from(JSON.stringify({ proposalId: '1; drop', version: [] })));
      await projector.project([sampleEvent(other, 1)]);
      notices.publish({ proposalId: other, version: 1 });
      await sleep(300);
      await projector.project([sampleEvent(proposalId, 2)]);
      const announcedAt = Date.now();
      notices.publish({ proposalId, version: 2 });

      // then the listener is still there: the read answers at once, and query-api still says so
      expect((await request).status).toBe(200);
      expect(Date.now() - announcedAt).toBeLessThan(5_000);
      expect(await http('GET', `${app.url}/health`)).toMatchObject({ status: 200, body: { readYourWrites: 'notified' } });
    } finally {
      await connection.close();
    }
  });
});
