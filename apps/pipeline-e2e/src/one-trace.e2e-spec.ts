import { freePort, http, repoRoot, TestPipeline, waitFor } from '@acme/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

/**
 * OpenTelemetry across the processes: the apps export to a local OTLP/HTTP receiver (JSON), and one
 * POST must yield one trace — the command API's request and its transaction with the outbox insert,
 * the relay's publish (parented through the context stored in the row), the subscriber's projection
 * with its MongoDB writes, and a `?minVersion` read that waited for it.
 */

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
}
interface Span extends OtlpSpan {
  service: string;
}

const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

/** The OTLP/HTTP JSON receiver: keeps every span and the names of every metric it is sent. */
class OtlpReceiver {
  readonly spans: Span[] = [];
  readonly metrics = new Map<string, Set<string>>();
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<OtlpReceiver> {
    const port = await freePort();
    const receiver: OtlpReceiver = new OtlpReceiver(
      createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          receiver.take(req.url ?? '', Buffer.concat(chunks).toString('utf8'));
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      }),
      `http://127.0.0.1:${port}`,
    );
    await new Promise<void>((resolve) => receiver.server.listen(port, '127.0.0.1', resolve));
    return receiver;
  }

  private take(path: string, body: string): void {
    const data = JSON.parse(body) as Record<string, { resource?: { attributes?: OtlpSpan['attributes'] }; scopeSpans?: { spans?: OtlpSpan[] }[]; scopeMetrics?: { metrics?: { name: string }[] }[] }[]>;
    const serviceOf = (resource?: { attributes?: OtlpSpan['attributes'] }) =>
      resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
    if (path.endsWith('/v1/traces')) {
      for (const rs of data.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) this.spans.push({ ...s, service: serviceOf(rs.resource) });
    } else if (path.endsWith('/v1/metrics')) {
      for (const rm of data.resourceMetrics ?? []) {
        const names = this.metrics.get(serviceOf(rm.resource)) ?? new Set<string>();
        for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) names.add(m.name);
        this.metrics.set(serviceOf(rm.resource), names);
      }
    }
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const attribute = (span: Span, key: string) => span.attributes?.find((a) => a.key === key)?.value;
const millis = (s: Span) => (Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1e6).toFixed(1);

/** The spans the test names, picked from one trace's spans; undefined while any of them is still missing. */
function traceOf(spans: Span[]) {
  const request = spans.find((s) => s.service === 'command-api' && s.kind === SERVER);
  const transaction = spans.find((s) => s.service === 'command-api' && s.name.startsWith('write transaction'));
  const inserts = spans.filter((s) => s.service === 'command-api' && /INSERT/i.test(attribute(s, 'db.query.text')?.stringValue ?? attribute(s, 'db.statement')?.stringValue ?? s.name));
  const publish = spans.find((s) => s.service === 'event-processor' && s.kind === PRODUCER);
  const processing = spans.find((s) => s.service === 'proposal-subscriber' && s.kind === CONSUMER);
  const mongoWrites = spans.filter((s) => s.service === 'proposal-subscriber' && s.parentSpanId !== undefined && s.parentSpanId === processing?.spanId);
  const waitingRead = spans.find((s) => s.service === 'query-api' && s.kind === SERVER);
  if (!request || !transaction || inserts.length === 0 || !publish || !processing || mongoWrites.length === 0 || !waitingRead) return undefined;
  return { spans, request, transaction, inserts, publish, processing, mongoWrites, waitingRead };
}

describe('OpenTelemetry: one proposal, one trace across the processes', () => {
  let receiver: OtlpReceiver;
  let pipeline: TestPipeline;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    pipeline = await TestPipeline.start({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_METRIC_EXPORT_INTERVAL: '500',
      },
    });
  });

  afterAll(async () => {
    await pipeline?.stop();
    await receiver?.stop();
  });

  it('joins the request, the transaction, the publish, the projection and the waiting read in one trace', async () => {
    // When a proposal is created, and read back with ?minVersion in the same trace (the POST's answer names it)
    const created = await http('POST', `${pipeline.commandApi.url}/proposals`, {
      customerId: 1,
      packageId: 'BAHAMA5NIGHT@COCOCLUB',
      pax: [{ firstName: 'Tracy', lastName: 'Spanner', age: 41 }],
    });
    expect(created.status).toBe(201);
    const traceparent = created.headers.get('traceparent') ?? '';
    const traceId = traceparent.split('-')[1] ?? '';
    const { proposalId } = created.body as { proposalId: number };
    const read = await http('GET', `${pipeline.queryApi.url}/proposals/${proposalId}?minVersion=1`, undefined, { traceparent });
    expect(read.status).toBe(200);

    // Then the receiver gets that trace from all four apps. Each app exports on its own schedule, and
    // a span is sent when it ends: the subscriber can project before the relay's confirm arrives, so
    // the consumer's span can come before the publish's. Wait for every span the trace must hold.
    const trace = await waitFor(() => Promise.resolve(traceOf(receiver.spans.filter((s) => s.traceId === traceId))), `the spans of trace ${traceId} from the four apps`, 20_000, 200);
    const { spans, request, transaction, inserts, publish, processing, mongoWrites, waitingRead } = trace;
    const byId = new Map(spans.map((s) => [s.spanId, s]));

    expect(transaction?.parentSpanId).toBe(request?.spanId);
    expect(inserts.length).toBeGreaterThanOrEqual(1);
    // The relay's publish continues the context stored in the outbox row: the request's span
    const [row] = await pipeline.db.query<{ traceparent: string }>("SELECT trace_headers->>'traceparent' AS traceparent FROM proposalevents WHERE proposal_id = $1", [proposalId]);
    expect(row?.traceparent.split('-')[2]).toBe(request?.spanId); // a span that exists, not a second continueTrace
    expect(publish?.parentSpanId).toBe(request?.spanId);
    expect(attribute(publish, 'acme.publish.outcome')?.stringValue).toBe('confirmed');
    // The projection continues the publish, and MongoDB's operations are its children
    expect(processing?.parentSpanId).toBe(publish?.spanId);
    expect(mongoWrites.length).toBeGreaterThanOrEqual(1);
    // The read that waited for the projection is in the same trace
    expect(attribute(waitingRead, 'acme.min_version')?.intValue).toBe(1);
    expect([...byId.values()].every((s) => s.traceId === traceId)).toBe(true);

    // For the record: the trace, its span names and durations
    mkdirSync(join(repoRoot, 'test-results', 'traces'), { recursive: true });
    const tree = spans
      .sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1))
      .map((s) => ({ service: s.service, name: s.name, kind: s.kind, spanId: s.spanId, parentSpanId: s.parentSpanId, ms: millis(s) }));
    writeFileSync(join(repoRoot, 'test-results', 'traces', 'one-proposal.json'), `${JSON.stringify({ traceId, spans: tree }, null, 2)}\n`);
  });

  it('exports the outbox backlog, the parked rows and the DLQ depth as OpenTelemetry metrics too', async () => {
    await waitFor(
      () => Promise.resolve(receiver.metrics.get('event-processor')?.has('acme.outbox.backlog') && receiver.metrics.get('proposal-subscriber')?.has('acme.dlq.depth')),
      'the gauges from the relay and the subscriber',
      15_000,
      200,
    );
    // and the same figures stay on /metrics for Prometheus
    const relayMetrics = await (await fetch(`${pipeline.processors[0]!.url}/metrics`)).text();
    expect(relayMetrics).toMatch(/acme_outbox_backlog\{state="parked"[^}]*\} 0/);
    const subscriberMetrics = await (await fetch(`${pipeline.subscribers[0]!.url}/metrics`)).text();
    expect(subscriberMetrics).toMatch(/acme_dlq_depth\{[^}]*\} 0/);
  });
});
