import { proposalEventSchema } from '@acme/contracts';
import { createTestDatabase, http, RunningApp, testEnv, type TestDatabase } from '@acme/testing';

/**
 * The built command-api as a process, over HTTP, against a database of its own.
 * The guarantee under test: bad input gets a 4xx problem with a clear, field-level reason —
 * never a 5xx, never a partial write — and real people's names survive the trip unchanged.
 */

const PAX = { firstName: 'Ana', lastName: "O'Brien", age: 34 };
const REUSED_IDEMPOTENCY_KEY = 'e2e-reused-key';

const proposal = (overrides: Record<string, unknown> = {}) => ({
  customerId: 1,
  packageId: 'BAHAMA5NIGHT@COCOCLUB',
  pax: [PAX],
  ...overrides,
});
const proposalWithPax = (overrides: Record<string, unknown>) => proposal({ pax: [{ ...PAX, ...overrides }] });
const customer = (overrides: Record<string, unknown> = {}) => ({
  email: 'new.customer@example.com',
  firstName: 'Ana',
  lastName: "O'Brien",
  ...overrides,
});
const without = (body: Record<string, unknown>, field: string) => {
  const { [field]: _dropped, ...rest } = body;
  return rest;
};
const travellers = (n: number) => Array.from({ length: n }, (_, i) => ({ firstName: `Traveller${i}`, lastName: 'Doe', age: 30 }));

interface BadRequest {
  name: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `{open}` (ON_HOLD, version 2), `{final}` (ACCEPTED) and `{spare}` (ON_HOLD, version 1) are fixtures made in beforeAll. */
  path: string;
  /** An object is sent as JSON; a string is sent as it is. */
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** The field the problem's `errors` must point at, when the problem is about one field. */
  field?: string;
}

const BAD_REQUESTS: BadRequest[] = [
  // POST /proposals: the shape of the request
  { name: 'customerId missing', method: 'POST', path: '/proposals', body: without(proposal(), 'customerId'), status: 400, code: 'VALIDATION.FAILED', field: 'customerId' },
  { name: 'pax missing', method: 'POST', path: '/proposals', body: without(proposal(), 'pax'), status: 400, code: 'VALIDATION.FAILED', field: 'pax' },
  { name: 'an unknown extra field', method: 'POST', path: '/proposals', body: proposal({ discount: 100 }), status: 400, code: 'VALIDATION.FAILED', field: 'discount' },
  { name: 'customerId as a string', method: 'POST', path: '/proposals', body: proposal({ customerId: '1' }), status: 400, code: 'VALIDATION.FAILED', field: 'customerId' },
  { name: 'customerId 0', method: 'POST', path: '/proposals', body: proposal({ customerId: 0 }), status: 400, code: 'VALIDATION.FAILED', field: 'customerId' },
  { name: 'customerId 1.5', method: 'POST', path: '/proposals', body: proposal({ customerId: 1.5 }), status: 400, code: 'VALIDATION.FAILED', field: 'customerId' },
  { name: 'invalid JSON', method: 'POST', path: '/proposals', body: '{"customerId": 1,', status: 400, code: 'REQUEST.INVALID_JSON' },
  { name: 'an empty JSON body', method: 'POST', path: '/proposals', body: '', status: 400, code: 'REQUEST.INVALID_JSON' },
  { name: 'a JSON array as the body', method: 'POST', path: '/proposals', body: [], status: 400, code: 'VALIDATION.FAILED' },
  { name: 'a prototype-poisoning body', method: 'POST', path: '/proposals', body: '{"__proto__": {"isAdmin": true}}', status: 400, code: 'REQUEST.INVALID_JSON' },
  {
    name: 'a valid proposal sent as text/plain',
    method: 'POST',
    path: '/proposals',
    body: JSON.stringify(proposal()),
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  },
  { name: 'a body over the 64 KiB limit', method: 'POST', path: '/proposals', body: proposal({ notes: 'x'.repeat(70_000) }), status: 413, code: 'REQUEST.TOO_LARGE' },
  // POST /proposals: travellers
  { name: 'a negative age', method: 'POST', path: '/proposals', body: proposalWithPax({ age: -1 }), status: 400, code: 'VALIDATION.FAILED', field: 'pax[0].age' },
  { name: 'an age of 121', method: 'POST', path: '/proposals', body: proposalWithPax({ age: 121 }), status: 400, code: 'VALIDATION.FAILED', field: 'pax[0].age' },
  { name: 'a huge age', method: 'POST', path: '/proposals', body: proposalWithPax({ age: 1e9 }), status: 400, code: 'VALIDATION.FAILED', field: 'pax[0].age' },
  { name: 'a fractional age', method: 'POST', path: '/proposals', body: proposalWithPax({ age: 34.5 }), status: 400, code: 'VALIDATION.FAILED', field: 'pax[0].age' },
  { name: 'an age as a string', method: 'POST', path: '/proposals', body: proposalWithPax({ age: '34' }), status: 400, code: 'VALIDATION.FAILED', field: 'pax[0].age' },
  { name: '21 travellers', method: 'POST', path: '/proposals', body: proposal({ pax: travellers(21) }), status: 400, code: 'VALIDATION.FAILED', field: 'pax' },
  { name: 'no travellers', method: 'POST', path: '/proposals', body: proposal({ pax: [] }), status: 400, code: 'VALIDATION.FAILED', field: 'pax' },
  { name: 'pax as an object', method: 'POST', path: '/proposals', body: proposal({ pax: PAX }), status: 400, code: 'VALIDATION.FAILED', field: 'pax' },
  { name: 'a null traveller', method: 'POST', path: '/proposals', body: proposal({ pax: [null] }), status: 400, code: 'VALIDATION.FAILED', field: 'pax[0]' },
  { name: 'an unknown customer', method: 'POST', path: '/proposals', body: proposal({ customerId: 999_999 }), status: 422, code: 'CUSTOMER.NOT_FOUND', field: 'customerId' },
  {
    name: 'the same traveller twice (ignoring case)',
    method: 'POST',
    path: '/proposals',
    body: proposal({ pax: [PAX, { ...PAX, firstName: 'ANA', lastName: "o'brien" }] }),
    status: 422,
    code: 'PROPOSAL.DUPLICATE_TRAVELLER',
    field: 'pax[1]',
  },
  { name: 'a {"$gt": ""} object as first name', method: 'POST', path: '/proposals', body: proposalWithPax({ firstName: { $gt: '' } }), status: 400, code: 'VALIDATION.FAILED', field: 'pax[0].firstName' },
  { name: 'a {"$ne": null} object as last name', method: 'POST', path: '/proposals', body: proposalWithPax({ lastName: { $ne: null } }), status: 400, code: 'VALIDATION.FAILED', field: 'pax[0].lastName' },
  { name: 'a control character in a name', method: 'POST', path: '/proposals', body: proposalWithPax({ firstName: 'Ana\u0007' }), status: 400, code: 'VALIDATION.FAILED', field: 'pax[0].firstName' },
  { name: 'a blank last name', method: 'POST', path: '/proposals', body: proposalWithPax({ lastName: '   ' }), status: 400, code: 'VALIDATION.FAILED', field: 'pax[0].lastName' },
  { name: 'a 101-character name', method: 'POST', path: '/proposals', body: proposalWithPax({ firstName: 'A'.repeat(101) }), status: 400, code: 'VALIDATION.FAILED', field: 'pax[0].firstName' },
  {
    name: 'a name of 100 emoji with variation selectors (200 code points)',
    method: 'POST',
    path: '/proposals',
    body: proposalWithPax({ firstName: '\u2764\uFE0F'.repeat(100) }),
    status: 400,
    code: 'VALIDATION.FAILED',
    field: 'pax[0].firstName',
  },
  { name: 'a lone surrogate in a name', method: 'POST', path: '/proposals', body: proposalWithPax({ firstName: 'Ana\uD800' }), status: 400, code: 'VALIDATION.FAILED', field: 'pax[0].firstName' },
  // POST /proposals: the other fields and the headers
  { name: 'expiresInDays 0', method: 'POST', path: '/proposals', body: proposal({ expiresInDays: 0 }), status: 400, code: 'VALIDATION.FAILED', field: 'expiresInDays' },
  { name: 'expiresInDays 31', method: 'POST', path: '/proposals', body: proposal({ expiresInDays: 31 }), status: 400, code: 'VALIDATION.FAILED', field: 'expiresInDays' },
  { name: 'a packageId with spaces', method: 'POST', path: '/proposals', body: proposal({ packageId: 'BAHAMA 5 NIGHT' }), status: 400, code: 'VALIDATION.FAILED', field: 'packageId' },
  { name: 'an empty packageId', method: 'POST', path: '/proposals', body: proposal({ packageId: '' }), status: 400, code: 'VALIDATION.FAILED', field: 'packageId' },
  { name: 'notes over 2000 characters', method: 'POST', path: '/proposals', body: proposal({ notes: 'n'.repeat(2001) }), status: 400, code: 'VALIDATION.FAILED', field: 'notes' },
  { name: 'a NUL character in the notes', method: 'POST', path: '/proposals', body: proposal({ notes: 'sea\u0000view' }), status: 400, code: 'VALIDATION.FAILED', field: 'notes' },
  { name: 'a lone surrogate in the notes', method: 'POST', path: '/proposals', body: proposal({ notes: 'sea view \uDC00' }), status: 400, code: 'VALIDATION.FAILED', field: 'notes' },
  {
    name: 'an Idempotency-Key with a space',
    method: 'POST',
    path: '/proposals',
    body: proposal(),
    headers: { 'idempotency-key': 'not a token' },
    status: 400,
    code: 'VALIDATION.FAILED',
    field: 'Idempotency-Key',
  },
  {
    name: 'an Idempotency-Key reused with a different body',
    method: 'POST',
    path: '/proposals',
    body: proposal({ packageId: 'SOMEWHERE@ELSE' }),
    headers: { 'idempotency-key': REUSED_IDEMPOTENCY_KEY },
    status: 422,
    code: 'IDEMPOTENCY.KEY_REUSED',
    field: 'Idempotency-Key',
  },
  // PUT /proposals/:id/pax
  { name: 'id "abc"', method: 'PUT', path: '/proposals/abc/pax', body: { pax: [PAX] }, status: 400, code: 'VALIDATION.FAILED', field: 'id' },
  { name: 'id "-1"', method: 'PUT', path: '/proposals/-1/pax', body: { pax: [PAX] }, status: 400, code: 'VALIDATION.FAILED', field: 'id' },
  { name: 'id "1.5"', method: 'PUT', path: '/proposals/1.5/pax', body: { pax: [PAX] }, status: 400, code: 'VALIDATION.FAILED', field: 'id' },
  { name: 'id "99999999999"', method: 'PUT', path: '/proposals/99999999999/pax', body: { pax: [PAX] }, status: 400, code: 'VALIDATION.FAILED', field: 'id' },
  { name: 'id "%2E%2E%2Fetc"', method: 'PUT', path: '/proposals/%2E%2E%2Fetc/pax', body: { pax: [PAX] }, status: 400, code: 'VALIDATION.FAILED', field: 'id' },
  { name: 'an unknown proposal', method: 'PUT', path: '/proposals/999999/pax', body: { pax: [PAX] }, status: 404, code: 'PROPOSAL.NOT_FOUND' },
  { name: 'an ACCEPTED proposal', method: 'PUT', path: '/proposals/{final}/pax', body: { pax: [PAX] }, status: 409, code: 'PROPOSAL.NOT_EDITABLE' },
  { name: 'a stale expectedVersion', method: 'PUT', path: '/proposals/{open}/pax', body: { pax: [PAX], expectedVersion: 1 }, status: 409, code: 'PROPOSAL.VERSION_CONFLICT', field: 'expectedVersion' },
  { name: 'expectedVersion 0', method: 'PUT', path: '/proposals/{open}/pax', body: { pax: [PAX], expectedVersion: 0 }, status: 400, code: 'VALIDATION.FAILED', field: 'expectedVersion' },
  { name: 'pax missing', method: 'PUT', path: '/proposals/{open}/pax', body: {}, status: 400, code: 'VALIDATION.FAILED', field: 'pax' },
  { name: '21 travellers', method: 'PUT', path: '/proposals/{open}/pax', body: { pax: travellers(21) }, status: 400, code: 'VALIDATION.FAILED', field: 'pax' },
  { name: 'the same traveller twice', method: 'PUT', path: '/proposals/{open}/pax', body: { pax: [PAX, PAX] }, status: 422, code: 'PROPOSAL.DUPLICATE_TRAVELLER', field: 'pax[1]' },
  // PATCH /proposals/:id/status
  { name: 'an unknown status', method: 'PATCH', path: '/proposals/{open}/status', body: { status: 'CANCELLED' }, status: 400, code: 'VALIDATION.FAILED', field: 'status' },
  { name: 'a lower-case status', method: 'PATCH', path: '/proposals/{open}/status', body: { status: 'rejected' }, status: 400, code: 'VALIDATION.FAILED', field: 'status' },
  { name: 'status missing', method: 'PATCH', path: '/proposals/{open}/status', body: {}, status: 400, code: 'VALIDATION.FAILED', field: 'status' },
  { name: 'expectedVersion as a string', method: 'PATCH', path: '/proposals/{open}/status', body: { status: 'REJECTED', expectedVersion: '2' }, status: 400, code: 'VALIDATION.FAILED', field: 'expectedVersion' },
  { name: 'ON_HOLD -> ACCEPTED', method: 'PATCH', path: '/proposals/{open}/status', body: { status: 'ACCEPTED' }, status: 409, code: 'PROPOSAL.INVALID_TRANSITION', field: 'status' },
  { name: 'ACCEPTED -> REJECTED (final)', method: 'PATCH', path: '/proposals/{final}/status', body: { status: 'REJECTED' }, status: 409, code: 'PROPOSAL.INVALID_TRANSITION', field: 'status' },
  { name: 'a stale expectedVersion', method: 'PATCH', path: '/proposals/{open}/status', body: { status: 'REJECTED', expectedVersion: 1 }, status: 409, code: 'PROPOSAL.VERSION_CONFLICT', field: 'expectedVersion' },
  { name: 'an unknown proposal', method: 'PATCH', path: '/proposals/999999/status', body: { status: 'REJECTED' }, status: 404, code: 'PROPOSAL.NOT_FOUND' },
  { name: 'id "abc"', method: 'PATCH', path: '/proposals/abc/status', body: { status: 'REJECTED' }, status: 400, code: 'VALIDATION.FAILED', field: 'id' },
  { name: 'an id with a leading zero', method: 'PATCH', path: '/proposals/0{spare}/status', body: { status: 'REJECTED' }, status: 400, code: 'VALIDATION.FAILED', field: 'id' },
  { name: 'an id with a decimal point', method: 'PATCH', path: '/proposals/{spare}.0/status', body: { status: 'REJECTED' }, status: 400, code: 'VALIDATION.FAILED', field: 'id' },
  // DELETE /proposals/:id
  { name: 'id "abc"', method: 'DELETE', path: '/proposals/abc', status: 400, code: 'VALIDATION.FAILED', field: 'id' },
  { name: 'id "-1"', method: 'DELETE', path: '/proposals/-1', status: 400, code: 'VALIDATION.FAILED', field: 'id' },
  { name: 'an id in exponent notation', method: 'DELETE', path: '/proposals/1e3', status: 400, code: 'VALIDATION.FAILED', field: 'id' },
  { name: 'an unknown proposal', method: 'DELETE', path: '/proposals/999999', status: 404, code: 'PROPOSAL.NOT_FOUND' },
  { name: 'expectedVersion=abc', method: 'DELETE', path: '/proposals/{open}?expectedVersion=abc', status: 400, code: 'VALIDATION.FAILED', field: 'expectedVersion' },
  { name: 'a stale expectedVersion', method: 'DELETE', path: '/proposals/{open}?expectedVersion=1', status: 409, code: 'PROPOSAL.VERSION_CONFLICT', field: 'expectedVersion' },
  // POST /customers
  { name: 'email missing', method: 'POST', path: '/customers', body: without(customer(), 'email'), status: 400, code: 'VALIDATION.FAILED', field: 'email' },
  { name: 'an invalid email', method: 'POST', path: '/customers', body: customer({ email: 'not-an-email' }), status: 400, code: 'VALIDATION.FAILED', field: 'email' },
  { name: 'a {"$gt": ""} object as first name', method: 'POST', path: '/customers', body: customer({ firstName: { $gt: '' } }), status: 400, code: 'VALIDATION.FAILED', field: 'firstName' },
  { name: 'a control character in the last name', method: 'POST', path: '/customers', body: customer({ lastName: "O'Brien\u001b[31m" }), status: 400, code: 'VALIDATION.FAILED', field: 'lastName' },
  { name: 'a NUL character in the middle name', method: 'POST', path: '/customers', body: customer({ middleName: 'Ma\u0000ria' }), status: 400, code: 'VALIDATION.FAILED', field: 'middleName' },
  { name: 'a 101-character last name', method: 'POST', path: '/customers', body: customer({ lastName: 'B'.repeat(101) }), status: 400, code: 'VALIDATION.FAILED', field: 'lastName' },
  { name: 'a phone number with letters', method: 'POST', path: '/customers', body: customer({ phone: 'call me maybe' }), status: 400, code: 'VALIDATION.FAILED', field: 'phone' },
  { name: 'an unknown extra field', method: 'POST', path: '/customers', body: customer({ isAdmin: true }), status: 400, code: 'VALIDATION.FAILED', field: 'isAdmin' },
  { name: 'an email already taken (in another case)', method: 'POST', path: '/customers', body: customer({ email: 'JOHN.DOE@example.com' }), status: 409, code: 'CUSTOMER.EMAIL_TAKEN', field: 'email' },
  { name: 'invalid JSON', method: 'POST', path: '/customers', body: "{'email': 'a@b.c'}", status: 400, code: 'REQUEST.INVALID_JSON' },
];

/** People's names as they are: many scripts, apostrophes, hyphens, a long one, an emoji, an injection attempt. */
const REAL_WORLD_PAX = [
  { firstName: 'Zoë', middleName: null, lastName: 'Saldaña', age: 46 },
  { firstName: 'Ólafur', middleName: 'Arnalds', lastName: 'Þórsson', age: 38 },
  { firstName: '李小龙', middleName: null, lastName: '李', age: 32 },
  { firstName: 'Ngũgĩ', middleName: 'wa', lastName: "Thiong'o", age: 86 },
  { firstName: 'Αλέξανδρος', middleName: null, lastName: 'Παπαδόπουλος', age: 29 },
  { firstName: 'محمد', middleName: null, lastName: 'الفاسي', age: 51 },
  { firstName: 'Seán', middleName: null, lastName: "O'Brien", age: 33 },
  { firstName: 'Anne-Marie', middleName: null, lastName: 'Smith-Jones', age: 31 },
  { firstName: 'Charles', middleName: 'de Batz', lastName: "d'Artagnan", age: 55 },
  { firstName: 'Wolfeschlegelsteinhausenbergerdorff'.padEnd(100, 'x'), middleName: null, lastName: 'Long', age: 70 },
  { firstName: 'Sunny', middleName: null, lastName: '🌴 Palmer', age: 27 },
  { firstName: "Robert'); DROP TABLE proposals;--", middleName: null, lastName: 'Tables', age: 12 },
  { firstName: 'Nguyễn', middleName: 'Thị', lastName: 'Minh Khai', age: 40 },
  { firstName: 'Ṣàngó', middleName: null, lastName: 'Adéyẹmí', age: 44 },
  { firstName: 'Иван', middleName: 'Петрович', lastName: 'Сидоров', age: 61 },
  { firstName: 'שרה', middleName: null, lastName: 'לוי', age: 22 },
  { firstName: 'Jöns', middleName: null, lastName: 'Åkerlund', age: 9 },
  { firstName: 'Māui', middleName: null, lastName: 'Kēpa', age: 17 },
  { firstName: 'Ünal', middleName: null, lastName: 'Çelik', age: 64 },
  { firstName: 'Saoirse', middleName: 'Ní', lastName: 'Bhriain', age: 3 },
];
const REAL_WORLD_NOTES = 'She said "book the \'sea view\' room" \\ path C:\\trips\\2030\\ \\"escaped\\" \'; DROP TABLE proposalevents; --';

describe('command-api over HTTP (built app, real PostgreSQL)', () => {
  let db: TestDatabase;
  let app: RunningApp;
  const fixtures: Record<string, number> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await RunningApp.start('command-api', { DATABASE_URL: db.url, AMQP_URL: testEnv().amqpUrl, PUBLISH_MODE: 'outbox' });

    // {open}: ON_HOLD at version 2, so expectedVersion 1 is stale
    fixtures.open = await create(proposal());
    await expectOk(http('PUT', `${app.url}/proposals/${fixtures.open}/pax`, { pax: [PAX, { ...PAX, firstName: 'Ben' }] }));
    // {final}: ACCEPTED, so nothing may change it any more
    fixtures.final = await create(proposal());
    await expectOk(http('PATCH', `${app.url}/proposals/${fixtures.final}/status`, { status: 'AWAITING_CONFIRMATION' }));
    await expectOk(http('PATCH', `${app.url}/proposals/${fixtures.final}/status`, { status: 'ACCEPTED' }));
    // {spare}: ON_HOLD at version 1, a target that any accepted status change would visibly alter
    fixtures.spare = await create(proposal());
    // a proposal created with the Idempotency-Key that one case reuses
    await create(proposal(), { 'idempotency-key': REUSED_IDEMPOTENCY_KEY });
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  async function create(body: unknown, headers: Record<string, string> = {}): Promise<number> {
    const res = await http('POST', `${app.url}/proposals`, body, headers);
    if (res.status !== 201) throw new Error(`fixture: POST /proposals answered ${res.status}: ${JSON.stringify(res.body)}`);
    return Number(res.body.proposalId);
  }

  async function expectOk(response: ReturnType<typeof http>): Promise<void> {
    const res = await response;
    if (res.status !== 200) throw new Error(`fixture: answered ${res.status}: ${JSON.stringify(res.body)}`);
  }

  const send = (c: BadRequest) =>
    http(
      c.method,
      app.url + c.path.replace(/\{(\w+)\}/g, (_, name: string) => String(fixtures[name])),
      c.body,
      c.headers,
    );

  /** What a bad request must not change: row counts and, through the versions, every proposal's state. */
  const snapshot = async () =>
    (
      await db.query(`SELECT
        (SELECT count(*) FROM proposals)                  AS proposals,
        (SELECT coalesce(sum(version), 0) FROM proposals) AS proposal_versions,
        (SELECT count(*) FROM proposal_pax)               AS proposal_pax,
        (SELECT count(*) FROM proposalevents)             AS proposalevents,
        (SELECT count(*) FROM customers)                  AS customers,
        (SELECT count(*) FROM idempotency_keys)           AS idempotency_keys`)
    )[0];

  const outboxPayload = async (eventGuid: string) =>
    (await db.query<{ payload: unknown }>('SELECT payload FROM proposalevents WHERE event_guid = $1', [eventGuid]))[0]?.payload;

  describe('bad input', () => {
    it.each(BAD_REQUESTS)(
      '$method $path with $name answers $status $code as problem+json, and the database is unchanged',
      async (c) => {
        // Given the database as it is
        const before = await snapshot();

        // When the bad request is sent
        const res = await send(c);

        // Then it gets the expected 4xx as a problem document with a stable code and a reason
        expect({ status: res.status, code: res.body?.code }).toEqual({ status: c.status, code: c.code });
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: c.status, code: c.code, detail: expect.stringMatching(/\S/) });
        if (c.field) expect((res.body.errors ?? []).map((e: { field: string }) => e.field)).toContain(c.field);

        // And nothing was written, not even partly
        expect(await snapshot()).toEqual(before);
      },
    );

    it('answers none of the bad requests with a 5xx', async () => {
      // When every bad request is sent again
      const serverErrors: string[] = [];
      for (const c of BAD_REQUESTS) {
        const res = await send(c);
        if (res.status >= 500) serverErrors.push(`${c.method} ${c.path} (${c.name}) -> ${res.status}`);
      }

      // Then none of them was answered with a server error
      expect(serverErrors).toEqual([]);
    });
  });

  describe('Idempotency-Key', () => {
    it('answers a retried POST /proposals with the first response (same status and body, header idempotent-replayed) and creates nothing more', async () => {
      // Given a proposal created with an Idempotency-Key
      const key = `e2e-retry-${Date.now()}`;
      const body = proposal({ packageId: 'RETRY@HTTP' });
      const first = await http('POST', `${app.url}/proposals`, body, { 'idempotency-key': key });
      const before = await snapshot();

      // When the client retries the same request with the same key
      const retry = await http('POST', `${app.url}/proposals`, body, { 'idempotency-key': key });

      // Then it gets the first response again, marked as a replay
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect({ status: retry.status, body: retry.body }).toEqual({ status: first.status, body: first.body });
      expect(retry.headers.get('idempotent-replayed')).toBe('true');

      // And nothing was written a second time
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('real-world names', () => {
    it('keeps 20 travellers with names in many scripts, and notes with quotes and backslashes, byte for byte in the outbox event', async () => {
      // Given a proposal for 20 real-world travellers
      const body = proposal({ pax: REAL_WORLD_PAX, notes: REAL_WORLD_NOTES });

      // When it is created over HTTP
      const res = await http('POST', `${app.url}/proposals`, body);

      // Then it is accepted
      expect(res.status).toBe(201);

      // And the event the read side will receive carries every name and the notes exactly as sent
      // (equal JS strings are equal UTF-8 bytes: nothing was trimmed, escaped, normalised or truncated)
      const event = proposalEventSchema.parse(await outboxPayload(res.body.eventId));
      expect(event.proposal.pax).toEqual(REAL_WORLD_PAX);
      expect(event.proposal.notes).toBe(REAL_WORLD_NOTES);
    });

    it('stores 20 travellers with names in many scripts as proposal_pax rows exactly as sent, in order', async () => {
      // Given a proposal for 20 real-world travellers
      const body = proposal({ pax: REAL_WORLD_PAX });

      // When it is created over HTTP
      const res = await http('POST', `${app.url}/proposals`, body);

      // Then its rows hold the names verbatim (the injection attempt is just a name), positions in order
      expect(res.status).toBe(201);
      const rows = await db.query(
        `SELECT position, first_name AS "firstName", middle_name AS "middleName", last_name AS "lastName", age
           FROM proposal_pax WHERE proposal_id = $1 ORDER BY position`,
        [res.body.proposalId],
      );
      expect(rows).toEqual(REAL_WORLD_PAX.map((p, position) => ({ position, ...p })));
    });

    it('accepts a 100-character name written in emoji and stores an event that satisfies the shared contract, so the read side can apply it', async () => {
      // Given a traveller whose first name is 100 emoji (100 characters, each outside the BMP)
      const body = proposalWithPax({ firstName: '😀'.repeat(100) });

      // When the proposal is created
      const res = await http('POST', `${app.url}/proposals`, body);

      // Then it is accepted, and its outbox event passes the contract the consumer validates against
      expect(res.status).toBe(201);
      const parsed = proposalEventSchema.safeParse(await outboxPayload(res.body.eventId));
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    });
  });

  describe('operations', () => {
    it('serves the OpenAPI UI at /docs as HTML', async () => {
      // When
      const res = await fetch(`${app.url}/docs`);

      // Then
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain('swagger-ui');
    });

    it('reports itself healthy at /health with its publish mode', async () => {
      // When
      const res = await http('GET', `${app.url}/health`);

      // Then
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok', checks: { postgres: 'up' }, publishMode: 'outbox' });
    });
  });
});
