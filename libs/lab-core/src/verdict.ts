import { TOPOLOGY } from '@acme/contracts';
import type { PipelineStatus } from './pipeline-status';

export type Verdict = PipelineStatus['verdict'];

const stuck = (why: string): Verdict => ({ state: 'stuck', why });

/**
 * One line an instructor can read out: is the read side in sync, catching up, stuck, or out of sync —
 * and why. The same verdict for `npm run lab -- status` and the lab page, over what is true of the
 * system now. The order matters: the first cause found is the one to fix first.
 */
export function verdictOf(s: Omit<PipelineStatus, 'verdict'>): Verdict {
  const known = Object.values(s.health);
  if (known.length > 0 && known.every((up) => up === false) && s.answers['command-api'] === undefined) {
    return stuck('the stack is not running (no app answers): start it with npm start, or npm run up to run it detached');
  }
  if (s.writeProposals === undefined) return stuck('PostgreSQL is unreachable');
  const backlog = s.outboxUnprocessed ?? 0;
  const direct = s.answers['command-api']?.publishMode === 'direct';
  if (!s.queues) {
    if (direct) return stuck('RabbitMQ is unreachable, and the command API publishes directly (dual write): events of changes made now are lost');
    return backlog > 0 ? stuck(`RabbitMQ is unreachable; ${backlog} event(s) wait safely in the outbox`) : stuck('RabbitMQ is unreachable; new events will wait safely in the outbox');
  }
  if (s.readProposals === undefined) return stuck('MongoDB is unreachable: the subscriber cannot project; messages wait in the retry queue');
  if ((s.outboxUnroutable ?? 0) > 0) {
    return stuck(
      `RabbitMQ returned ${s.outboxUnroutable} event(s) as unroutable: no queue is bound to ${TOPOLOGY.exchange} for them. ` +
        'They wait in the outbox and go out once the queue is bound again (restarting a worker declares the topology).',
    );
  }
  const inFlight = s.queues.work + s.queues.retry;
  if (backlog > 0 && s.health['event-processor'] === false) {
    const relay = s.answers['event-processor']?.relay;
    const why = !relay ? 'the event processor is not running' : `the event processor ${relay.stuck ? 'makes no progress' : 'cannot publish'}${relay.lastError ? ` (${relay.lastError})` : ''}`;
    return stuck(`${why}; ${backlog} event(s) wait in the outbox`);
  }
  if (inFlight > 0 && s.queues.consumers === 0) return stuck(`no subscriber is consuming; ${inFlight} message(s) wait in RabbitMQ`);
  const subscriber = s.answers['proposal-subscriber'];
  if (inFlight > 0 && subscriber && !subscriber.ok && subscriber.failing.includes('mongodb')) {
    return stuck('MongoDB is unreachable: the subscriber cannot project; messages wait in the retry queue');
  }
  if (inFlight > 0 && subscriber?.stuck) {
    return stuck(`the proposal subscriber makes no progress${subscriber.reason ? ` (${subscriber.reason})` : ''}; ${inFlight} message(s) wait in RabbitMQ`);
  }
  if (backlog > 0 || inFlight > 0) return { state: 'catching up', why: `${backlog} in the outbox, ${inFlight} in RabbitMQ` };
  if (s.queues.dlq > 0) {
    return stuck(
      `${s.queues.dlq} message(s) in the DLQ — inspect them with npm run lab -- dlq list; once the cause is fixed ` +
        'npm run lab -- dlq redrive --all, or discard poison with npm run lab -- dlq purge --all',
    );
  }
  // Delivered to a subscriber but not yet acked: not in the queue counts, not yet in the event store.
  const projecting = (s.outboxProcessed ?? 0) - (s.appliedEvents ?? 0);
  if (projecting > 0 && s.health['proposal-subscriber'] !== false) return { state: 'catching up', why: `${projecting} published event(s) are being projected` };
  if (s.writeProposals !== s.readProposals) {
    const missing = s.writeProposals - (s.readProposals ?? 0);
    return {
      state: 'out of sync',
      why:
        missing > 0
          ? `${missing} proposal(s) exist on the write side but not on the read side: their events were lost${direct ? ' (the direct mode’s dual write)' : ' (dual write?)'} — nothing is left to deliver them`
          : `${-missing} proposal view(s) more than the write side has (was the write side reset without the read side?)`,
    };
  }
  if ((s.outboxParked ?? 0) > 0) {
    return stuck(`${s.outboxParked} outbox row(s) parked: see \`npm run lab -- outbox parked\`; fix them, then \`npm run lab -- outbox redrive --all\``);
  }
  // Nothing in flight, but a stopped app means the next proposal goes nowhere: not "in sync".
  const stopped = Object.entries(s.health)
    .filter(([, up]) => up === false)
    .map(([app]) => app);
  if (stopped.length > 0) {
    return stuck(`every stored event has been projected, but ${stopped.join(', ')} ${stopped.length > 1 ? 'are' : 'is'} down: the next change would wait (npm run up starts what is stopped)`);
  }
  return { state: 'in sync', why: 'every stored event has been projected' };
}
