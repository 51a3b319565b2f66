import { TOPOLOGY } from '@acme/contracts';
import { readStatus, LAB_APPS, probeHealth, queueCounts, verdictOf, type LabApp, type PipelineStatus, type TrackRead } from '@acme/lab-core';
import Table from 'cli-table3';
import pc from 'picocolors';
import type { LabContext } from '../lab-context';

export type { PipelineStatus } from '@acme/lab-core';

/**
 * The system as it is now, and the lab verdict on it (the same one the lab page shows). The apps'
 * health and the three stores are read at the same time; `track` sees each read (the progress line).
 */
export async function collectStatus(lab: LabContext, track?: TrackRead): Promise<PipelineStatus> {
  // Under compose the workers' health ports are not published at fixed host ports (they scale).
  const known = LAB_APPS.filter((app) => lab.config.ACME_RUNTIME === 'local' || app === 'command-api' || app === 'query-api');
  const see: TrackRead = track ?? ((_part, read) => read);
  const answers = Promise.all(known.map(async (app) => [app, await see(app, probeHealth(lab.url(app)))] as const)).then((pairs) => Object.fromEntries(pairs));
  const status = await readStatus({ pg: lab.pg, queues: async () => queueCounts(await lab.amqp()), mongo: lab.mongo }, answers, known, see);
  return { ...status, verdict: verdictOf(status) };
}

const show = (n: number | undefined) => (n === undefined ? pc.red('unreachable') : String(n));

export function printStatus(s: PipelineStatus): void {
  const table = new Table({ head: ['stage', 'what', 'count'], style: pc.isColorSupported ? { head: ['cyan'], compact: true } : { head: [], border: [], compact: true } });
  const up = (app: LabApp) => {
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
