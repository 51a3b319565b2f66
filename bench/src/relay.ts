import { TOPOLOGY } from '@acme/contracts';
import { declareTopology, type QueueType } from '@acme/messaging';
import { newProposalId, sampleEvent, waitFor, type TestDatabase } from '@acme/testing';
import { connectVhost, isolatedServices, startApp } from './apps';
import { CpuMeter, formatCpu, type CpuReport } from './cpu';
import type { BenchSettings } from './settings';
import { everySecond, fmt, now, say, scoped } from './util';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const PREFILL_CHUNK = 2_000;

export interface RelayResult {
  eventsPerSecond: number;
  /** Including the app's start-up (spawn → drained). */
  eventsPerSecondInclStartup: number;
  events: number;
  /** Rows marked processed at the end (= events unless the run hit its time bound). */
  relayed: number;
  drainSeconds: number;
  startupSeconds: number;
  published: number;
  cpu: CpuReport;
}

/** Bulk-inserts `count` outbox rows (one created event per proposal, sampleEvent payloads) in chunks. */
export async function prefillOutbox(db: TestDatabase, count: number): Promise<void> {
  for (let done = 0; done < count; done += PREFILL_CHUNK) {
    const rows = [];
    for (let i = done; i < Math.min(count, done + PREFILL_CHUNK); i++) {
      const event = sampleEvent(newProposalId(), 1);
      rows.push({
        proposal_id: event.proposalId,
        event_guid: event.eventId,
        event_type: event.type,
        aggregate_version: event.version,
        payload: event,
        trace_headers: { traceparent: TRACEPARENT },
      });
    }
    await db.query(
      `INSERT INTO proposalevents (proposal_id, event_guid, event_type, aggregate_version, payload, trace_headers)
       SELECT proposal_id, event_guid, event_type, aggregate_version, payload, trace_headers
         FROM jsonb_to_recordset($1::jsonb)
           AS r(proposal_id integer, event_guid uuid, event_type text, aggregate_version integer, payload jsonb, trace_headers jsonb)`,
      [JSON.stringify(rows)],
    );
  }
  // Statistics as autovacuum would have them for a backlog that built up over time.
  await db.query('ANALYZE proposalevents');
}

export const unprocessedCount = async (db: TestDatabase): Promise<number> =>
  Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM proposalevents WHERE NOT processed'))[0]?.n ?? -1);

/**
 * The event-processor draining a pre-filled outbox: N rows bulk-inserted into a fresh database, then
 * the built app is started against a fresh vhost; timed from its first claim (min processed_date) until
 * no row is unprocessed.
 */
export async function relayBench(settings: BenchSettings, queueType: QueueType): Promise<RelayResult> {
  return scoped(async (cleanup) => {
    const { db, vhost } = await isolatedServices(cleanup, { postgres: true, rabbit: true });
    if (!db || !vhost) throw new Error('isolated services missing');
    const connection = await connectVhost(vhost, cleanup, 'relay');
    const channel = await connection.createChannel();
    channel.on('error', () => undefined); // the failing operation rejects too: handled there
    const topology = { messageTtlMs: settings.queueMessageTtlMs, retryDelayMs: settings.retryDelayMs, queueType };
    await declareTopology(channel, topology);

    const n = settings.relayEvents;
    say(`relay: pre-filling the outbox with ${fmt(n)} events…`);
    const prefillStart = now();
    await prefillOutbox(db, n);
    const backlog = await unprocessedCount(db);
    if (backlog !== n) throw new Error(`outbox pre-fill: expected ${n} unprocessed rows, found ${backlog}`);
    say(`relay: ${fmt(n)} rows in ${((now() - prefillStart) / 1000).toFixed(1)} s; starting ${settings.instances} event-processor(s) (QUEUE_TYPE=${queueType}, RELAY_BATCH_SIZE=${settings.relayBatchSize}, PG_POOL_SIZE=${settings.pgPoolSize})`);

    const cpu = new CpuMeter();
    const spawnedAt = Date.now();
    // --instances=N: N relays on the same table (scale-out: SKIP LOCKED shares the rows out).
    await Promise.all(
      Array.from({ length: settings.instances }, () =>
        startApp(
          'event-processor',
          {
            DATABASE_URL: db.url,
            AMQP_URL: vhost.url,
            RELAY_BATCH_SIZE: String(settings.relayBatchSize),
            PG_POOL_SIZE: String(settings.pgPoolSize),
            QUEUE_MESSAGE_TTL_MS: String(settings.queueMessageTtlMs),
            RETRY_DELAY_MS: String(settings.retryDelayMs),
            QUEUE_TYPE: queueType,
          },
          cleanup,
        ),
      ),
    );
    let remaining = n;
    // Bounded by settings.drainBoundS: a relay too slow to finish in time is measured on what it did.
    const deadline = Date.now() + settings.drainBoundS * 1000;
    const progress = everySecond(() => say(`  relay: ${fmt(n - remaining)}/${fmt(n)} published`));
    await waitFor(
      async () => {
        progress();
        remaining = await unprocessedCount(db);
        return remaining === 0 || Date.now() > deadline;
      },
      'the relay to drain the outbox',
      settings.drainBoundS * 1000 + 5_000,
    );
    const drainedAt = Date.now();
    const relayed = n - remaining;
    if (remaining > 0) say(`relay: WARNING: only ${fmt(relayed)} of ${fmt(n)} events relayed within ${settings.drainBoundS} s; the rate is measured on those`);
    const report = cpu.stop();

    const [span] = await db.query<{ first: Date }>('SELECT min(processed_date) AS first FROM proposalevents');
    const firstClaim = span?.first instanceof Date ? span.first.getTime() : spawnedAt;
    const drainSeconds = Math.max(0.001, (drainedAt - firstClaim) / 1000);
    const published = (await channel.checkQueue(TOPOLOGY.workQueue)).messageCount;
    const result: RelayResult = {
      eventsPerSecond: relayed / drainSeconds,
      eventsPerSecondInclStartup: relayed / ((drainedAt - spawnedAt) / 1000),
      events: n,
      relayed,
      drainSeconds,
      startupSeconds: (firstClaim - spawnedAt) / 1000,
      published,
      cpu: report,
    };
    say(
      `relay (${queueType}): ${fmt(result.eventsPerSecond)} events/s (${fmt(relayed)} of ${fmt(n)} in ${drainSeconds.toFixed(2)} s after the first claim; ` +
        `${fmt(result.eventsPerSecondInclStartup)}/s including ${result.startupSeconds.toFixed(1)} s start-up); ` +
        `${fmt(published)} messages in the work queue — ${formatCpu(report)}`,
    );
    if (published < relayed) say(`relay: WARNING: only ${fmt(published)} of ${fmt(relayed)} relayed events reached the work queue`);
    return result;
  });
}
