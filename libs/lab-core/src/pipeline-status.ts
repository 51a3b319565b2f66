import { TOPOLOGY } from '@acme/contracts';
import { COLLECTIONS } from '@acme/read-model';
import type { ChannelModel } from 'amqplib';
import type { Db } from 'mongodb';
import type { Pool } from 'pg';

export const LAB_APPS = ['command-api', 'query-api', 'event-processor', 'proposal-subscriber'] as const;
export type LabApp = (typeof LAB_APPS)[number];

/** What an app's /health said: `undefined` when nobody answered in time. */
export interface HealthAnswer {
  ok: boolean;
  /** The checks that are down, e.g. ["mongodb"]. */
  failing: string[];
  /** The event processor's relay: its state, whether it is stuck, its last error. */
  relay?: { state?: string; stuck?: boolean; lastError?: string };
  /** The subscriber: work waits and nothing is settled; why its consumer could not be set up. */
  stuck?: boolean;
  reason?: string;
  /** The command API: `outbox` or `direct` (Lab 1's dual write). */
  publishMode?: string;
}

/**
 * What is true of the system now, read from its stores (rows in the outbox, messages in the queues,
 * views and events on the read side) and from the apps' health. A figure nobody could read is
 * undefined. The one model `npm run lab -- status` and the lab page judge with `verdictOf`.
 */
export interface PipelineStatus {
  writeProposals?: number;
  /** Waiting to be published (not parked). */
  outboxUnprocessed?: number;
  outboxProcessed?: number;
  /** Set aside by the relay: malformed, or failing RELAY_MAX_ATTEMPTS times. */
  outboxParked?: number;
  /** Waiting because RabbitMQ returned them: no queue was bound for them. */
  outboxUnroutable?: number;
  queues?: { work: number; retry: number; dlq: number; consumers: number };
  readProposals?: number;
  appliedEvents?: number;
  duplicateEvents?: number;
  duplicateDeliveries?: number;
  /** Per app: up (true), down or not answering (false), or not known (undefined: the workers under compose). */
  health: Partial<Record<LabApp, boolean>>;
  /** What each app that answered said (the relay's state, the subscriber's progress, the publish mode). */
  answers: Partial<Record<LabApp, HealthAnswer>>;
  verdict: { state: 'in sync' | 'catching up' | 'stuck' | 'out of sync'; why: string };
}

export type QueueCounts = NonNullable<PipelineStatus['queues']>;

/** Where the figures come from (`queueCounts(connection)` reads the queues for a caller without its own probe). */
export interface StatusSources {
  pg: Pick<Pool, 'query'>;
  queues: () => Promise<QueueCounts | undefined>;
  mongo: Db;
}

const attempt = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await read();
  } catch {
    return undefined; // unreachable: the figure stays undefined, the verdict says so
  }
};

async function writeSide(pg: StatusSources['pg']) {
  const { rows } = await pg.query<{ proposals: string; unprocessed: string; processed: string; parked: string; unroutable: string }>(
    `SELECT (SELECT count(*) FROM proposals) AS proposals,
            count(*) FILTER (WHERE NOT processed AND parked_at IS NULL) AS unprocessed,
            count(*) FILTER (WHERE processed) AS processed,
            count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked,
            count(*) FILTER (WHERE NOT processed AND parked_at IS NULL AND last_error LIKE 'unroutable%') AS unroutable
       FROM proposalevents`,
  );
  const r = rows[0];
  if (!r) throw new Error('no row');
  return { proposals: Number(r.proposals), unprocessed: Number(r.unprocessed), processed: Number(r.processed), parked: Number(r.parked), unroutable: Number(r.unroutable) };
}

/** The work, retry and dead-letter queues' depths and the work queue's consumers. */
export async function queueCounts(connection: ChannelModel): Promise<QueueCounts> {
  const channel = await connection.createChannel();
  try {
    const work = await channel.checkQueue(TOPOLOGY.workQueue);
    const retry = await channel.checkQueue(TOPOLOGY.retryQueue);
    const dlq = await channel.checkQueue(TOPOLOGY.deadLetterQueue);
    return { work: work.messageCount, retry: retry.messageCount, dlq: dlq.messageCount, consumers: work.consumerCount };
  } finally {
    await channel.close().catch(() => undefined);
  }
}

async function readSide(db: Db) {
  const [proposals, applied, duplicates] = await Promise.all([
    db.collection(COLLECTIONS.proposals).countDocuments({ removed: false }),
    db.collection(COLLECTIONS.inbox).countDocuments({}),
    db.collection<{ count: number }>(COLLECTIONS.duplicates).find({}, { projection: { count: 1 } }).toArray(),
  ]);
  return { proposals, applied, duplicateEvents: duplicates.length, duplicateDeliveries: duplicates.reduce((n, d) => n + d.count, 0) };
}

/** What a read is of: a store, or an app's /health. */
export type StatusPart = 'PostgreSQL' | 'RabbitMQ' | 'MongoDB' | LabApp;

/** Sees each read start and settle (to show what a slow status waits for). */
export type TrackRead = <T>(part: StatusPart, read: Promise<T>) => Promise<T>;

/**
 * Reads the three stores at once; `answers` are the apps' /health answers the caller probes — a
 * promise, so that the probes and the store reads wait at the same time (a store or an app that is
 * down makes each of them wait for its timeout: one after the other, that was twice as long).
 */
export async function readStatus(
  sources: StatusSources,
  answers: Partial<Record<LabApp, HealthAnswer | undefined>> | Promise<Partial<Record<LabApp, HealthAnswer | undefined>>>,
  known: readonly LabApp[] = LAB_APPS,
  track: TrackRead = (_part, read) => read,
): Promise<Omit<PipelineStatus, 'verdict'>> {
  const [write, depths, read, given] = await Promise.all([
    attempt(() => track('PostgreSQL', writeSide(sources.pg))),
    attempt(() => track('RabbitMQ', sources.queues())),
    attempt(() => track('MongoDB', readSide(sources.mongo))),
    answers,
  ]);
  const health: PipelineStatus['health'] = {};
  const answered: PipelineStatus['answers'] = {};
  for (const app of known) {
    const answer = given[app];
    health[app] = answer?.ok ?? false;
    if (answer) answered[app] = answer;
  }
  return {
    writeProposals: write?.proposals,
    outboxUnprocessed: write?.unprocessed,
    outboxProcessed: write?.processed,
    outboxParked: write?.parked,
    outboxUnroutable: write?.unroutable,
    queues: depths,
    readProposals: read?.proposals,
    appliedEvents: read?.applied,
    duplicateEvents: read?.duplicateEvents,
    duplicateDeliveries: read?.duplicateDeliveries,
    health,
    answers: answered,
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * GET /health of one app, with a timeout longer than the apps' own dependency checks (1.5 s): an app
 * that answers 503 "mongodb down" is down with that reason, not "not answering".
 */
export async function probeHealth(baseUrl: string, headers: Record<string, string> = {}, timeoutMs = 3_000): Promise<HealthAnswer | undefined> {
  try {
    const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json', ...headers } });
    const body: unknown = await response.json().catch(() => undefined);
    const b = isRecord(body) ? body : {};
    const checks = isRecord(b.checks) ? b.checks : {};
    const relay = isRecord(b.relay) ? b.relay : undefined;
    return {
      ok: response.ok,
      failing: Object.entries(checks)
        .filter(([, state]) => state !== 'up')
        .map(([name]) => name),
      ...(relay ? { relay: { state: text(relay.state), stuck: relay.stuck === true, lastError: text(relay.lastError) } } : {}),
      stuck: b.stuck === true || relay?.stuck === true,
      reason: text(relay?.lastError) ?? text(b.consumerSetupError),
      publishMode: text(b.publishMode),
    };
  } catch {
    return undefined;
  }
}
