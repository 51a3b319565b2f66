import { TOPOLOGY, withTimeout } from '@acme/contracts';
import { collectionsOf } from '@acme/read-model';
import type { TestVhost } from '@acme/testing';
import type { Channel, ChannelModel } from 'amqplib';
import { createRequire } from 'node:module';
import type { Pipeline } from './apps';
import { CpuMeter, formatCpu, type CpuReport } from './cpu';
import { unprocessedCount } from './relay';
import type { BenchSettings } from './settings';
import { fmt, now, say, sleep } from './util';

export interface BacklogSample {
  /** Seconds since the load started. */
  t: number;
  outboxBacklog: number;
  queueDepth: number;
}

export interface PostResult {
  requestsPerSecond: number;
  created: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  latencyP50Ms: number;
  latencyP99Ms: number;
  seconds: number;
  connections: number;
  samples: BacklogSample[];
  maxOutboxBacklog: number;
  maxQueueDepth: number;
  /** Seconds after the load stopped until outbox, queue and read side had caught up; null if not within the bound. */
  drainSeconds: number | null;
  keptUp: boolean;
  cpu: CpuReport;
}

const PAX = [
  { firstName: 'Ana', middleName: null, lastName: "O'Brien", age: 34 },
  { firstName: 'Björn', middleName: 'J', lastName: 'Smith-Åberg', age: 41 },
];

/** Bench customers, so the per-customer views are spread as in real use (customers 1-3 are the seed). */
export async function createCustomers(pipeline: Pipeline, count: number): Promise<number[]> {
  const rows = await pipeline.db.query<{ customer_id: number }>(
    `INSERT INTO customers (email, first_name, last_name)
     SELECT 'bench.customer' || g || '@example.com', 'Bench', 'Customer' || g FROM generate_series(1, $1::int) AS g
     RETURNING customer_id`,
    [count],
  );
  return rows.map((r) => r.customer_id);
}

export function proposalBody(customerId: number): string {
  return JSON.stringify({ customerId, packageId: 'BAHAMA5NIGHT@COCOCLUB', pax: PAX, notes: 'benchmark' });
}

/** The part of autocannon's programmatic API used here (the package ships no types). */
interface AutocannonResult {
  start: Date;
  finish: Date;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
  latency: { p50: number; p99: number };
}
interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}
type Autocannon = (
  options: { url: string; connections: number; duration: number; timeout: number; requests: AutocannonRequest[] },
  callback: (error: Error | null, result: AutocannonResult) => void,
) => { on(event: 'tick', listener: (tick: { counter: number }) => void): void };

function loadAutocannon(): Autocannon {
  try {
    return createRequire(__filename)('autocannon') as Autocannon;
  } catch (error) {
    throw new Error(`autocannon is not installed (a devDependency: run npm install): ${(error as Error).message}`);
  }
}

/** Closed-loop POST /proposals load with `connections` connections for `seconds`. */
async function fire(pipeline: Pipeline, customerIds: number[], connections: number, seconds: number, onTick?: (completed: number) => void) {
  const autocannon = loadAutocannon();
  let next = 0;
  return withTimeout(
    new Promise<AutocannonResult>((resolve, reject) => {
      const instance = autocannon(
        {
          url: pipeline.commandApi.url,
          connections,
          duration: seconds,
          timeout: 10,
          requests: [
            {
              method: 'POST',
              path: '/proposals',
              headers: { 'content-type': 'application/json' },
              setupRequest: (request) => ({ ...request, body: proposalBody(customerIds[next++ % customerIds.length] ?? 1) }),
            },
          ],
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
      let completed = 0;
      instance.on('tick', (tick: { counter: number }) => {
        completed += tick.counter;
        onTick?.(completed);
      });
    }),
    (seconds + 60) * 1000,
    'the HTTP load',
  );
}

interface Probe {
  backlog: () => Promise<number>;
  depth: () => Promise<number>;
  readSideCaughtUp: () => Promise<boolean>;
}

/**
 * Work-queue depth over an AMQP channel of its own that is opened again after the broker dropped it
 * (a RabbitMQ restart during the run): a failed probe reads -1, the next one reconnects.
 */
export class QueueDepthProbe {
  private connection: ChannelModel | undefined;
  private channel: Channel | undefined;

  constructor(private readonly vhost: TestVhost) {}

  async depth(): Promise<number> {
    try {
      if (!this.channel) {
        const connection = await this.vhost.connect();
        connection.on('error', () => undefined);
        this.connection = connection;
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        channel.on('close', () => {
          if (this.channel === channel) this.channel = undefined;
        });
        this.channel = channel;
      }
      return (await this.channel.checkQueue(TOPOLOGY.workQueue)).messageCount;
    } catch {
      await this.close();
      return -1;
    }
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.channel = undefined;
    this.connection = undefined;
    await connection?.close().catch(() => undefined);
  }
}

export function pipelineProbe(pipeline: Pipeline, queue: QueueDepthProbe): Probe {
  const views = collectionsOf(pipeline.mongo.db);
  return {
    backlog: () => unprocessedCount(pipeline.db),
    depth: () => queue.depth(),
    readSideCaughtUp: async () => {
      const [row] = await pipeline.db.query<{ n: string }>('SELECT count(*) AS n FROM proposals');
      return (await views.proposals.countDocuments()) >= Number(row?.n ?? 0);
    },
  };
}

/** Waits until outbox, work queue and read side have caught up; returns the seconds it took, or null. */
export async function waitDrained(probe: Probe, boundS: number, label: string): Promise<number | null> {
  const start = now();
  const maxProbes = boundS * 4 + 1;
  let lastSay = start;
  for (let i = 0; i < maxProbes && now() - start < boundS * 1000; i++) {
    const [backlog, depth] = await Promise.all([probe.backlog().catch(() => -1), probe.depth().catch(() => -1)]);
    if (backlog === 0 && depth === 0 && (await probe.readSideCaughtUp().catch(() => false))) return (now() - start) / 1000;
    if (now() - lastSay >= 2_000) {
      lastSay = now();
      say(`  ${label}: waiting for the pipeline to drain (outbox ${fmt(backlog)}, queue ${fmt(depth)})`);
    }
    await sleep(250);
  }
  return null;
}

/**
 * Sustained POST /proposals throughput of the full pipeline, with outbox backlog and work-queue depth
 * sampled every second during the load and until the pipeline has drained after it.
 */
export async function postBench(settings: BenchSettings, pipeline: Pipeline, queue: QueueDepthProbe, customerIds: number[]): Promise<PostResult> {
  const probe = pipelineProbe(pipeline, queue);
  say(`post: warm-up, ${settings.postWarmupS} s with ${settings.postConnections} connections`);
  await fire(pipeline, customerIds, settings.postConnections, settings.postWarmupS);
  const warmDrain = await waitDrained(probe, settings.drainBoundS, 'post warm-up');
  if (warmDrain === null) say(`post: WARNING: the warm-up backlog did not drain within ${settings.drainBoundS} s; measuring anyway`);

  say(`post: ${settings.postDurationS} s of POST /proposals with ${settings.postConnections} connections (autocannon)`);
  const samples: BacklogSample[] = [];
  const loadStart = now();
  let loading = true;
  let completed = 0;
  const sampler = (async () => {
    const maxSamples = settings.postDurationS + 120;
    for (let i = 0; loading && i < maxSamples; i++) {
      // A failed probe (a service restarting) is recorded as -1, not fatal to the measurement.
      const [outboxBacklog, queueDepth] = await Promise.all([probe.backlog().catch(() => -1), probe.depth().catch(() => -1)]);
      const t = (now() - loadStart) / 1000;
      samples.push({ t: Math.round(t * 10) / 10, outboxBacklog, queueDepth });
      say(`  post: t=${t.toFixed(0)}s ${fmt(completed / Math.max(t, 0.001))} req/s so far, outbox backlog ${fmt(outboxBacklog)}, queue depth ${fmt(queueDepth)}`);
      await sleep(Math.max(0, loadStart + (i + 1) * 1000 - now()));
    }
  })();
  const cpu = new CpuMeter();
  let result: AutocannonResult;
  try {
    result = await fire(pipeline, customerIds, settings.postConnections, settings.postDurationS, (c) => (completed = c));
  } finally {
    loading = false;
  }
  const report = cpu.stop();
  await sampler;
  const loadEnd = now();
  const [backlogAtEnd, depthAtEnd] = await Promise.all([probe.backlog().catch(() => -1), probe.depth().catch(() => -1)]);
  samples.push({ t: Math.round(((loadEnd - loadStart) / 1000) * 10) / 10, outboxBacklog: backlogAtEnd, queueDepth: depthAtEnd });

  const drainBoundS = settings.drainBoundS;
  const drainSeconds = await waitDrained(probe, drainBoundS, 'post');
  const seconds = (result.finish.getTime() - result.start.getTime()) / 1000 || settings.postDurationS;
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  const out: PostResult = {
    requestsPerSecond: result['2xx'] / seconds,
    created: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    seconds,
    connections: settings.postConnections,
    samples,
    maxOutboxBacklog: Math.max(0, ...samples.map((s) => s.outboxBacklog)),
    maxQueueDepth: Math.max(0, ...samples.map((s) => s.queueDepth)),
    drainSeconds,
    keptUp: drainSeconds !== null && drainSeconds <= settings.keptUpDrainS,
    cpu: report,
  };
  if (!out.keptUp) {
    for (const app of [pipeline.processor, pipeline.subscriber]) {
      const tail = app.output.trim().split('\n').slice(-8).join('\n');
      if (tail) say(`post: last output of ${app.name}:\n${tail}`);
    }
  }
  say(
    `post: ${fmt(out.requestsPerSecond)} created/s (${fmt(out.created)} in ${seconds.toFixed(1)} s; non-2xx ${out.non2xx}, errors ${out.errors}; ` +
      `latency p50 ${out.latencyP50Ms} ms, p99 ${out.latencyP99Ms} ms); max outbox backlog ${fmt(out.maxOutboxBacklog)}, max queue depth ${fmt(out.maxQueueDepth)}; ` +
      `drained ${drainSeconds === null ? `NOT within ${drainBoundS} s` : `${drainSeconds.toFixed(1)} s after the load`} → ${out.keptUp ? 'kept up' : 'did NOT keep up'} — ${formatCpu(report)}`,
  );
  return out;
}
