import { TestPipeline, waitFor } from '@acme/testing';
import Ajv, { type ValidateFunction } from 'ajv';

/**
 * The OpenAPI documents are the contract clients are generated from: every answer the APIs give —
 * errors included — must be documented, with a schema the real body satisfies. Each operation of both
 * APIs is called with valid and invalid requests, and each real response is checked against the
 * document the API serves (/docs-json): its status documented for the matched operation, its media
 * type documented for that status, its body valid against that schema (Ajv, with OpenAPI's `nullable`).
 */

interface Schema {
  type?: string;
  nullable?: boolean;
  example?: unknown;
  properties?: Record<string, Schema>;
}
interface Response {
  content?: Record<string, { schema?: object }>;
}
/** The parts of an OpenAPI 3.0 document this test reads. */
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string; responses: Record<string, Response> }>>;
  components: { schemas: Record<string, Schema> };
}

interface Call {
  api: 'command' | 'query';
  method: string;
  path: string;
  body?: unknown;
  /** A raw body with its own content type (malformed JSON, the wrong media type). */
  raw?: { contentType: string; data: string };
  headers?: Record<string, string>;
}

interface Checked {
  call: string;
  status: number;
  problems: string[];
}

const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });

/** A schema of `doc` as Ajv compiles it: with the document's components beside it, for its $refs. */
function compile(doc: OpenApiDoc, schema: object): ValidateFunction {
  return ajv.compile({ ...schema, components: doc.components });
}

/** The operation of `doc` that serves this method and path (`{id}` matches one segment). */
function operationOf(doc: OpenApiDoc, method: string, pathname: string) {
  for (const [template, item] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const operation = item[method.toLowerCase()];
    if (operation && pattern.test(pathname)) return { template, operation };
  }
  return undefined;
}

describe('the OpenAPI contract of both APIs, against real responses', () => {
  let pipeline: TestPipeline;
  const documents: Partial<Record<Call['api'], OpenApiDoc>> = {};

  beforeAll(async () => {
    pipeline = await TestPipeline.start({ env: { BODY_LIMIT_BYTES: '2048' } });
    for (const api of ['command', 'query'] as const) {
      const doc = (await (await fetch(`${base(api)}/docs-json`)).json()) as OpenApiDoc;
      expect(doc.openapi).toMatch(/^3\./);
      documents[api] = doc;
    }
  });

  afterAll(async () => {
    await pipeline?.stop();
  });

  const base = (api: Call['api']) => (api === 'command' ? pipeline.commandApi.url : pipeline.queryApi.url);

  async function check(call: Call): Promise<Checked> {
    const doc = documents[call.api]!;
    const url = new URL(call.path, base(call.api));
    const headers: Record<string, string> = { ...call.headers };
    let body: string | undefined;
    if (call.raw) {
      headers['content-type'] = call.raw.contentType;
      body = call.raw.data;
    } else if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.body);
    }
    const res = await fetch(url, { method: call.method, headers, body });
    const text = await res.text();
    const label = `${call.method} ${call.path} → ${res.status}`;
    const problems: string[] = [];

    const match = operationOf(doc, call.method, url.pathname);
    if (!match) return { call: label, status: res.status, problems: ['no operation in the document matches this request'] };
    const documented = match.operation.responses[String(res.status)];
    if (!documented) return { call: label, status: res.status, problems: [`status ${res.status} is not documented for ${match.operation.operationId}`] };

    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (text !== '') {
      const schema = documented.content?.[mediaType]?.schema;
      if (!schema) problems.push(`no schema for ${mediaType} (documented: ${Object.keys(documented.content ?? {}).join(', ') || 'none'})`);
      else {
        const validate = compile(doc, schema);
        if (!validate(JSON.parse(text))) problems.push(...(validate.errors ?? []).map((e) => `body${e.instancePath} ${e.message ?? ''}`));
      }
    }
    return { call: label, status: res.status, problems };
  }

  it('documents every status and body of all operations, valid and invalid requests alike', async () => {
    const pax = [{ firstName: 'Zoë', middleName: 'Jean-Luc', lastName: "O'Brien", age: 34 }];
    const create = async () => {
      const created = await fetch(`${pipeline.commandApi.url}/proposals`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customerId: 1, packageId: 'BAHAMA5NIGHT@COCOCLUB', pax }),
      });
      return ((await created.json()) as { proposalId: number }).proposalId;
    };
    const id = await create(); // changed, then read
    const doomed = await create(); // removed
    await waitFor(async () => (await fetch(`${pipeline.queryApi.url}/proposals/${doomed}`)).ok, 'the proposals on the read side');

    const calls: Call[] = [
      // command API: every operation, valid, then each way it refuses
      { api: 'command', method: 'POST', path: '/proposals', body: { customerId: 1, packageId: 'BAHAMA5NIGHT@COCOCLUB', pax } },
      { api: 'command', method: 'POST', path: '/proposals', body: { customerId: 1, packageId: 'X', pax }, headers: { 'idempotency-key': 'contract-1' } },
      { api: 'command', method: 'POST', path: '/proposals', body: { customerId: 1, packageId: 'X', pax }, headers: { 'idempotency-key': 'contract-1' } },
      { api: 'command', method: 'POST', path: '/proposals', body: { customerId: 1, packageId: 'Y', pax }, headers: { 'idempotency-key': 'contract-1' } },
      { api: 'command', method: 'POST', path: '/proposals', body: { customerId: 0, packageId: '', pax: [] } },
      { api: 'command', method: 'POST', path: '/proposals', body: { customerId: 999_999, packageId: 'X', pax } },
      { api: 'command', method: 'POST', path: '/proposals', body: { customerId: 1, packageId: 'X', pax: [pax[0], pax[0]] } },
      { api: 'command', method: 'POST', path: '/proposals', raw: { contentType: 'application/json', data: '{"customerId": 1,' } },
      { api: 'command', method: 'POST', path: '/proposals', raw: { contentType: 'text/plain', data: 'hello' } },
      { api: 'command', method: 'POST', path: '/proposals', body: { customerId: 1, packageId: 'X', pax, notes: 'x'.repeat(3_000) } },
      { api: 'command', method: 'PATCH', path: `/proposals/${id}/status`, body: { status: 'AWAITING_CONFIRMATION', expectedVersion: 1 } },
      { api: 'command', method: 'PATCH', path: `/proposals/${id}/status`, body: { status: 'ON_HOLD', expectedVersion: 1 } },
      { api: 'command', method: 'PATCH', path: `/proposals/${id}/status`, body: { status: 'EXPLODED' } },
      { api: 'command', method: 'PATCH', path: '/proposals/abc/status', body: { status: 'ACCEPTED' } },
      { api: 'command', method: 'PATCH', path: '/proposals/999999/status', body: { status: 'ACCEPTED' } },
      { api: 'command', method: 'PUT', path: `/proposals/${id}/pax`, body: { pax, expectedVersion: 2 } },
      { api: 'command', method: 'PUT', path: `/proposals/${id}/pax`, body: { pax: [] } },
      { api: 'command', method: 'PUT', path: `/proposals/${id}/pax`, body: { pax, expectedVersion: 1 } },
      { api: 'command', method: 'PUT', path: '/proposals/999999/pax', body: { pax } },
      { api: 'command', method: 'DELETE', path: `/proposals/${doomed}?expectedVersion=2` },
      { api: 'command', method: 'DELETE', path: '/proposals/999999' },
      { api: 'command', method: 'DELETE', path: `/proposals/${doomed}?expectedVersion=zero` },
      { api: 'command', method: 'DELETE', path: `/proposals/${doomed}?expectedVersion=1` },
      { api: 'command', method: 'POST', path: '/customers', body: { email: 'contract.test@example.com', firstName: 'Con', lastName: 'Tract' } },
      { api: 'command', method: 'POST', path: '/customers', body: { email: 'contract.test@example.com', firstName: 'Con', lastName: 'Tract' } },
      { api: 'command', method: 'POST', path: '/customers', body: { email: 'not an email', firstName: ' ', lastName: 'X' } },
      { api: 'command', method: 'GET', path: '/health' },
      // query API
      { api: 'query', method: 'GET', path: `/proposals/${id}?minVersion=3` },
      { api: 'query', method: 'GET', path: `/proposals/${id}` },
      { api: 'query', method: 'GET', path: `/proposals/${doomed}?minVersion=2` },
      { api: 'query', method: 'GET', path: `/proposals/${id}?minVersion=99` },
      { api: 'query', method: 'GET', path: '/proposals/999999' },
      { api: 'query', method: 'GET', path: '/proposals/abc' },
      { api: 'query', method: 'GET', path: `/proposals/${id}?minVersion=-1` },
      { api: 'query', method: 'GET', path: '/proposals' },
      { api: 'query', method: 'GET', path: '/proposals?limit=1&customerId=1&status=ON_HOLD' },
      { api: 'query', method: 'GET', path: '/proposals?limit=1000' },
      { api: 'query', method: 'GET', path: '/proposals?cursor=garbage' },
      { api: 'query', method: 'GET', path: `/proposals/${id}/events` },
      { api: 'query', method: 'GET', path: '/proposals/0/events' },
      { api: 'query', method: 'GET', path: '/customers/1/proposals' },
      { api: 'query', method: 'GET', path: '/customers/x/proposals' },
      { api: 'query', method: 'GET', path: '/duplicates' },
      { api: 'query', method: 'GET', path: '/duplicates?limit=0' },
      { api: 'query', method: 'GET', path: '/health' },
    ];
    const results: Checked[] = [];
    for (const call of calls) results.push(await check(call));
    const answered = (call: string) => results.find((r) => r.call.startsWith(`${call} →`))?.status;
    // The reads saw the proposal as changed (200) and the removed one as gone (404), not only errors
    expect([answered(`GET /proposals/${id}?minVersion=3`), answered(`GET /proposals/${doomed}?minVersion=2`)]).toEqual([200, 404]);

    const failures = results.filter((r) => r.problems.length > 0).map((r) => `${r.call}: ${r.problems.join('; ')}`);
    const statuses = [...new Set(results.map((r) => r.status))].sort();
    console.log(`OpenAPI contract: ${results.length} responses, statuses ${statuses.join(', ')}; ${failures.length} not as documented`);
    expect(failures).toEqual([]);
    // The calls above reach every kind of answer, or the check would prove less than it says
    expect(statuses).toEqual(expect.arrayContaining([200, 201, 400, 404, 409, 413, 415, 422, 503]));
  });

  it("documents a string middle name as a string, and the documents' own examples pass their schemas", () => {
    expect(documents.command!.components.schemas.PaxDto?.properties?.middleName).toMatchObject({ type: 'string', nullable: true });
    // Each schema's property examples, put together, must satisfy that schema (nested $refs included)
    for (const api of ['command', 'query'] as const) {
      const doc = documents[api]!;
      for (const [name, schema] of Object.entries(doc.components.schemas)) {
        const example = Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([, p]) => p.example !== undefined).map(([k, p]) => [k, p.example]));
        const validate = compile(doc, { ...schema, required: [] });
        expect([api, name, validate(example), validate.errors ?? null]).toEqual([api, name, true, null]);
      }
    }
  });
});
