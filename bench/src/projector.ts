import { HEADERS, TOPOLOGY, type ProposalEvent, withTimeout } from '@acme/contracts';
import { declareTopology, toProposalMessage, type QueueType } from '@acme/messaging';
import { collectionsOf } from '@acme/read-model';
import { newProposalId, sampleEvent, waitFor } from '@acme/testing';
import type { ConfirmChannel } from 'amqplib';
import { connectVhost, isolatedServices, startApp } from './apps';
import { CpuMeter, formatCpu, type CpuReport } from './cpu';
import type { BenchSettings } from './settings';
import { everySecond, fmt, now, say, scoped } from './util';

const PUBLISH_BATCH = 1_000;

export interface ProjectorResult {
  eventsPerSecond: number;
  eventsPerSecondInclStartup: number;
  events: number;
  /** Events in proposaleventstore at the end (= events unless the run hit its time bound). */
  applied: number;
  finished: boolean;
  proposals: number;
  drainSeconds: number;
  startupSeconds: number;
  counters: Record<string, number> | null;
  retryQueue: number;
  deadLettered: number;
  deadLetterReason: string | null;
  cpu: CpuReport;
}

/** A customer snapshot for bench customer `k` (spreads the per-customer view over many documents). */
export function benchCustomer(k: number): ProposalEvent['proposal']['customer'] {
  return { customerId: k, email: `bench.customer${k}@example.com`, firstName: 'Bench', middleName: null, lastName: `Customer${k}`, phone: null };
}

/**
 * How a proposal's versions lie in the queue: `spread` — v1 of SPREAD_WINDOW proposals, then their v2,
 * … (live traffic: each batch touches many proposals once); `adjacent` — v1..vN of one proposal, then
 * the next (a catch-up after an outage: a batch holds several versions of each proposal).
 */
export type ProjectorOrder = 'spread' | 'adjacent';
const SPREAD_WINDOW = 1_000;

/** `versions` events per proposal, in version order per proposal, proposals round-robin over `customers`. */
export function* projectorEvents(count: number, versions: number, customers: number, order: ProjectorOrder): Generator<ProposalEvent> {
  const window = order === 'spread' ? Math.max(1, Math.min(SPREAD_WINDOW, Math.ceil(count / versions))) : 1;
  let produced = 0;
  for (let p = 0; produced < count; p += window) {
    const group = Array.from({ length: window }, (_, k) => ({ proposalId: newProposalId(), customer: benchCustomer(((p + k) % customers) + 1) }));
    for (let v = 1; v <= versions && produced < count; v++) {
      for (const { proposalId, customer } of group) {
        if (produced++ >= count) return;
        yield sampleEvent(proposalId, v, { customer, status: v === 1 ? 'ON_HOLD' : 'AWAITING_CONFIRMATION' });
      }
    }
  }
}

/** Publishes every event through a confirm channel, PUBLISH_BATCH at a time, each batch confirmed. */
async function publishAll(channel: ConfirmChannel, events: Iterable<ProposalEvent>, total: number): Promise<void> {
  let sent = 0;
  let inBatch = 0;
  for (const event of events) {
    const m = toProposalMessage(event, 'acme.bench');
    if (!channel.publish(m.exchange, m.routingKey, m.content, m.options)) {
      await new Promise((resolve) => channel.once('drain', resolve));
    }
    sent++;
    if (++inBatch === PUBLISH_BATCH || sent === total) {
      await withTimeout(channel.waitForConfirms(), 60_000, 'publisher confirms of the pre-fill');
      inBatch = 0;
    }
  }
}

/**
 * The proposal-subscriber draining a pre-filled work queue: M valid events published to a fresh vhost
 * (topology declared first), then the built app started against a fresh Mongo database; timed from the
 * first applied event to the last (proposaleventstore appliedAt), once the queue is empty and the store
 * holds M documents.
 */
export async function projectorBench(settings: BenchSettings, queueType: QueueType, order: ProjectorOrder = 'spread'): Promise<ProjectorResult> {
  return scoped(async (cleanup) => {
    const { vhost, mongo } = await isolatedServices(cleanup, { rabbit: true, mongo: true });
    if (!vhost || !mongo) throw new Error('isolated services missing');
    const connection = await connectVhost(vhost, cleanup, 'projector');
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined); // the failing operation rejects too: handled there
    await declareTopology(channel, { messageTtlMs: settings.queueMessageTtlMs, retryDelayMs: settings.retryDelayMs, queueType });

    const m = settings.projectorEvents;
    const versions = settings.projectorVersionsPerProposal;
    say(`projector: pre-filling the work queue with ${fmt(m)} events (${versions} versions per proposal, ${order}, ${fmt(settings.customers)} customers)…`);
    const prefillStart = now();
    await publishAll(channel, projectorEvents(m, versions, settings.customers, order), m);
    const queued = (await channel.checkQueue(TOPOLOGY.workQueue)).messageCount;
    if (queued !== m) throw new Error(`work queue pre-fill: expected ${m} messages, found ${queued}`);
    say(`projector: ${fmt(m)} messages queued in ${((now() - prefillStart) / 1000).toFixed(1)} s; starting ${settings.instances} proposal-subscriber(s) (QUEUE_TYPE=${queueType}, CONSUMER_PREFETCH=${settings.consumerPrefetch})`);

    const store = collectionsOf(mongo.db).inbox;
    const cpu = new CpuMeter();
    const spawnedAt = Date.now();
    // --instances=N: N subscribers on the same queue (scale-out).
    const [app] = await Promise.all(
      Array.from({ length: settings.instances }, () =>
        startApp(
          'proposal-subscriber',
          {
            AMQP_URL: vhost.url,
            MONGO_URL: mongo.url,
            MONGO_DB: mongo.dbName,
            CONSUMER_PREFETCH: String(settings.consumerPrefetch),
            MAX_ATTEMPTS: String(settings.maxAttempts),
            QUEUE_MESSAGE_TTL_MS: String(settings.queueMessageTtlMs),
            RETRY_DELAY_MS: String(settings.retryDelayMs),
            QUEUE_TYPE: queueType,
          },
          cleanup,
        ),
      ),
    );
    if (!app) throw new Error('no subscriber started');
    // Bounded by settings.drainBoundS: a projector too slow to finish in time is measured on what it did.
    const deadline = Date.now() + settings.drainBoundS * 1000;
    let depth = m;
    // The queue count is cheap; the store count (a scan on FerretDB) only once the queue is empty.
    const taken = everySecond(() => say(`  projector: ${fmt(m - depth)}/${fmt(m)} taken from the queue`));
    await waitFor(
      async () => {
        taken();
        depth = (await channel.checkQueue(TOPOLOGY.workQueue)).messageCount;
        return depth === 0 || Date.now() > deadline;
      },
      'the subscriber to empty the work queue',
      settings.drainBoundS * 1000 + 5_000,
      100,
    );
    let stored = 0;
    const applied = everySecond(() => say(`  projector: ${fmt(stored)}/${fmt(m)} in proposaleventstore`));
    await waitFor(
      async () => {
        applied();
        stored = await store.countDocuments();
        return stored >= m || Date.now() > deadline;
      },
      `proposaleventstore to hold ${m} documents`,
      settings.drainBoundS * 1000 + 5_000,
      100,
    );
    const finished = stored >= m;
    if (!finished) say(`projector: WARNING: only ${fmt(stored)} of ${fmt(m)} events applied within ${settings.drainBoundS} s; the rate is measured on those`);
    const doneAt = Date.now();
    const report = cpu.stop();

    const first = await store.find({}, { projection: { appliedAt: 1 } }).sort({ appliedAt: 1 }).limit(1).next();
    const last = await store.find({}, { projection: { appliedAt: 1 } }).sort({ appliedAt: -1 }).limit(1).next();
    const firstAt = first?.appliedAt instanceof Date ? first.appliedAt.getTime() : spawnedAt;
    const lastAt = last?.appliedAt instanceof Date ? last.appliedAt.getTime() : doneAt;
    const drainSeconds = Math.max(0.001, ((finished ? lastAt : doneAt) - firstAt) / 1000);
    const health = (await fetch(`${app.url}/health`).then((r) => r.json()).catch(() => null)) as { counters?: Record<string, number> } | null;
    const retryQueue = (await channel.checkQueue(TOPOLOGY.retryQueue)).messageCount;
    const deadLettered = (await channel.checkQueue(TOPOLOGY.deadLetterQueue)).messageCount;
    let deadLetterReason: string | null = null;
    if (deadLettered > 0) {
      const sample = await channel.get(TOPOLOGY.deadLetterQueue, { noAck: true });
      if (sample) {
        const headers = sample.properties.headers ?? {};
        const death = (headers['x-death'] as { reason?: string; queue?: string }[] | undefined)?.[0];
        deadLetterReason = String(headers[HEADERS.deadLetterReason] ?? (death ? `${death.reason} in ${death.queue}` : 'unknown'));
        say(`projector: WARNING: ${fmt(deadLettered)} messages in the DLQ, e.g. ${deadLetterReason}`);
      }
    }
    const result: ProjectorResult = {
      eventsPerSecond: stored / drainSeconds,
      eventsPerSecondInclStartup: stored / ((doneAt - spawnedAt) / 1000),
      events: m,
      applied: stored,
      finished,
      proposals: Math.ceil(m / versions),
      drainSeconds,
      startupSeconds: (firstAt - spawnedAt) / 1000,
      counters: health?.counters ?? null,
      retryQueue,
      deadLettered,
      deadLetterReason,
      cpu: report,
    };
    say(
      `projector (${queueType}, ${order}): ${fmt(result.eventsPerSecond)} events/s (${fmt(stored)} of ${fmt(m)} in ${drainSeconds.toFixed(2)} s, first to last applied; ` +
        `${fmt(result.eventsPerSecondInclStartup)}/s including ${result.startupSeconds.toFixed(1)} s start-up); ` +
        `counters ${JSON.stringify(result.counters)} — ${formatCpu(report)}`,
    );
    return result;
  });
}
