import { TOPOLOGY } from '@acme/contracts';
import { COLLECTIONS } from '@acme/read-model';
import Table from 'cli-table3';
import pc from 'picocolors';
import { attempt, type LabContext } from '../lab-context';

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
  /** Missing for apps whose health port is not known (the workers under compose). */
  health: Record<string, boolean | undefined>;
  /** What the event processor's /health says of its relay (when it answered). */
  relay?: { state?: string; stuck?: boolean; lastError?: string };
  verdict: { state: 'in sync' | 'catching up' | 'stuck' | 'out of sync'; why: string };
}

interface HealthAnswer {
  ok: boolean;
  relay?: PipelineStatus['relay'];
}

async function probeHealth(url: string): Promise<HealthAnswer> {
  const answer = await attempt(async () => {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json().catch(() => undefined)) as { relay?: PipelineStatus['relay'] } | undefined;
    return { ok: response.ok, relay: body?.relay };
  });
  return answer ?? { ok: false };
}

export async function collectStatus(lab: LabContext): Promise<PipelineStatus> {
  const [write, queues, read, health] = await Promise.all([
    attempt(async () => {
      const { rows } = await lab.pg.query<{ proposals: string; unprocessed: string; processed: string; parked: string; unroutable: string }>(
        `SELECT (SELECT count(*) FROM proposals) AS proposals,
                count(*) FILTER (WHERE NOT processed AND parked_at IS NULL) AS unprocessed,
                count(*) FILTER (WHERE processed) AS processed,
                count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked,
                count(*) FILTER (WHERE NOT processed AND parked_at IS NULL AND last_error LIKE 'unroutable%') AS unroutable
           FROM proposalevents`,
      );
      const r = rows[0];
      return (
        r && {
          proposals: Number(r.proposals),
          unprocessed: Number(r.unprocessed),
          processed: Number(r.processed),
          parked: Number(r.parked),
          unroutable: Number(r.unroutable),
        }
      );
    }),
    attempt(async () => {
      const channel = await (await lab.amqp()).createChannel();
      try {
        const work = await channel.checkQueue(TOPOLOGY.workQueue);
        const retry = await channel.checkQueue(TOPOLOGY.retryQueue);
        const dlq = await channel.checkQueue(TOPOLOGY.deadLetterQueue);
        return { work: work.messageCount, retry: retry.messageCount, dlq: dlq.messageCount, consumers: work.consumerCount };
      } finally {
        await channel.close().catch(() => undefined);
      }
    }),
    attempt(async () => {
      const db = lab.mongo;
      const [proposals, applied, duplicates] = await Promise.all([
        db.collection(COLLECTIONS.proposals).countDocuments({ removed: false }),
        db.collection(COLLECTIONS.eventStore).countDocuments({}),
        db.collection<{ count: number }>(COLLECTIONS.duplicates).find({}, { projection: { count: 1 } }).toArray(),
      ]);
      return { proposals, applied, duplicateEvents: duplicates.length, duplicateDeliveries: duplicates.reduce((n, d) => n + d.count, 0) };
    }),
    Promise.all(
      (['command-api', 'query-api', 'event-processor', 'proposal-subscriber'] as const).map(async (app) => {
        // Under compose the workers' health ports are not published at fixed host ports (they scale).
        const known = lab.config.ACME_RUNTIME === 'local' || app === 'command-api' || app === 'query-api';
        return [app, known ? await probeHealth(lab.url(app)) : undefined] as const;
      }),
    ),
  ]);

  const status: PipelineStatus = {
    writeProposals: write?.proposals,
    outboxUnprocessed: write?.unprocessed,
    outboxProcessed: write?.processed,
    outboxParked: write?.parked,
    outboxUnroutable: write?.unroutable,
    queues,
    readProposals: read?.proposals,
    appliedEvents: read?.applied,
    duplicateEvents: read?.duplicateEvents,
    duplicateDeliveries: read?.duplicateDeliveries,
    health: Object.fromEntries(health.map(([app, answer]) => [app, answer?.ok])),
    relay: health.find(([app]) => app === 'event-processor')?.[1]?.relay,
    verdict: { state: 'in sync', why: '' },
  };
  status.verdict = verdictOf(status);
  return status;
}

/** One line an instructor can read out: is the read side in sync, catching up, or stuck — and why. */
export function verdictOf(s: PipelineStatus): PipelineStatus['verdict'] {
  const apps = Object.values(s.health);
  if (apps.length > 0 && apps.every((up) => up === false)) {
    return { state: 'stuck', why: 'the stack is not running (no app answers): start it with npm start, or npm run up to run it detached' };
  }
  if (s.writeProposals === undefined) return { state: 'stuck', why: 'PostgreSQL is unreachable' };
  if (s.readProposals === undefined) return { state: 'stuck', why: 'MongoDB is unreachable: the subscriber cannot project' };
  const backlog = s.outboxUnprocessed ?? 0;
  if (!s.queues) {
    return backlog > 0
      ? { state: 'stuck', why: `RabbitMQ is unreachable; ${backlog} event(s) wait safely in the outbox` }
      : { state: 'stuck', why: 'RabbitMQ is unreachable' };
  }
  if ((s.outboxUnroutable ?? 0) > 0) {
    return {
      state: 'stuck',
      why:
        `RabbitMQ returned ${s.outboxUnroutable} event(s) as unroutable: no queue is bound to ${TOPOLOGY.exchange} for them. ` +
        'They wait in the outbox and go out once the queue is bound again (restarting a worker declares the topology).',
    };
  }
  const inFlight = s.queues.work + s.queues.retry;
  if (backlog > 0 && s.health['event-processor'] === false) {
    const { relay } = s;
    const why = !relay
      ? 'the event processor is not running'
      : `the event processor ${relay.stuck ? 'makes no progress' : 'cannot publish'}${relay.lastError ? ` (${relay.lastError})` : ''}`;
    return { state: 'stuck', why: `${why}; ${backlog} event(s) wait in the outbox` };
  }
  if (inFlight > 0 && s.queues.consumers === 0) {
    return { state: 'stuck', why: `no subscriber is consuming; ${inFlight} message(s) wait in RabbitMQ` };
  }
  if (backlog > 0 || inFlight > 0) {
    return { state: 'catching up', why: `${backlog} in the outbox, ${inFlight} in RabbitMQ` };
  }
  if (s.queues.dlq > 0) {
    return {
      state: 'stuck',
      why:
        `${s.queues.dlq} message(s) in the DLQ — inspect them with npm run lab -- dlq list; once the cause is fixed ` +
        'npm run lab -- dlq redrive --all, or discard poison with npm run lab -- dlq purge --all',
    };
  }
  // Delivered to a subscriber but not yet acked: not in the queue counts, not yet in the event store.
  const projecting = (s.outboxProcessed ?? 0) - (s.appliedEvents ?? 0);
  if (projecting > 0 && s.health['proposal-subscriber'] !== false) {
    return { state: 'catching up', why: `${projecting} published event(s) are being projected` };
  }
  if (s.writeProposals !== s.readProposals) {
    const missing = s.writeProposals - s.readProposals;
    return {
      state: 'out of sync',
      why:
        missing > 0
          ? `${missing} proposal(s) exist on the write side but not on the read side: their events were lost (dual write?) — nothing is left to deliver them`
          : `${-missing} proposal view(s) more than the write side has (was the write side reset without the read side?)`,
    };
  }
  if ((s.outboxParked ?? 0) > 0) {
    return {
      state: 'stuck',
      why: `${s.outboxParked} outbox row(s) parked: see \`npm run lab -- outbox parked\`; fix them, then \`npm run lab -- outbox redrive --all\``,
    };
  }
  // Nothing in flight, but a stopped app means the next proposal goes nowhere: not "in sync".
  const stopped = (['event-processor', 'proposal-subscriber', 'command-api', 'query-api'] as const).filter((app) => s.health[app] === false);
  if (stopped.length > 0) {
    return {
      state: 'stuck',
      why: `every stored event has been projected, but ${stopped.join(', ')} ${stopped.length > 1 ? 'are' : 'is'} down: the next change would wait (npm run up starts what is stopped)`,
    };
  }
  return { state: 'in sync', why: 'every stored event has been projected' };
}

const show = (n: number | undefined) => (n === undefined ? pc.red('unreachable') : String(n));

export function printStatus(s: PipelineStatus): void {
  const table = new Table({ head: ['stage', 'what', 'count'], style: pc.isColorSupported ? { head: ['cyan'], compact: true } : { head: [], border: [], compact: true } });
  const up = (app: string) => {
    const h = s.health[app];
    return h === undefined ? pc.dim('n/a') : h ? pc.green('up') : pc.red('down');
  };
  table.push(
    ['write side (Postgres)', 'proposals', show(s.writeProposals)],
    ['outbox (proposalevents)', 'unprocessed', show(s.outboxUnprocessed)],
    ['', 'processed', show(s.outboxProcessed)],
    ['', 'parked', show(s.outboxParked)],
    ['RabbitMQ', `${TOPOLOGY.workQueue}`, show(s.queues?.work)],
    ['', `${TOPOLOGY.retryQueue}`, show(s.queues?.retry)],
    ['', `${TOPOLOGY.deadLetterQueue}`, show(s.queues?.dlq)],
    ['read side (MongoDB)', 'proposal views', show(s.readProposals)],
    ['', 'applied events', show(s.appliedEvents)],
    ['', 'duplicates logged', s.duplicateEvents === undefined ? show(undefined) : `${s.duplicateEvents} event(s), ${s.duplicateDeliveries} extra deliveries`],
    ['apps', 'command-api / query-api', `${up('command-api')} / ${up('query-api')}`],
    ['', 'event-processor / subscriber', `${up('event-processor')} / ${up('proposal-subscriber')}`],
  );
  console.log(table.toString());
  const colour = { 'in sync': pc.green, 'catching up': pc.yellow, stuck: pc.red, 'out of sync': pc.red }[s.verdict.state];
  console.log(`${colour(pc.bold(s.verdict.state.toUpperCase()))}: ${s.verdict.why}`);
}
