import type { Snapshot, Verdict } from './snapshot';

export type VerdictInput = Pick<Snapshot, 'apps' | 'rabbit'> & { backlog: number | null };

const isUp = (input: VerdictInput, app: keyof Snapshot['apps']) => input.apps[app].health === 'up';

/**
 * One line an instructor can read out, in the order of the lab CLI's `status` verdict: is the read
 * side in sync, catching up, or stuck — and why. The page sees only what the apps and RabbitMQ report
 * (no database), so it cannot count lost events: "in sync" here means nothing is in flight and nothing
 * is stuck. `npm run lab -- status` compares both databases for Lab 1's OUT OF SYNC.
 */
export function verdictOf(input: VerdictInput): Verdict {
  const { rabbit, apps } = input;
  const backlog = input.backlog ?? 0;
  const processor = apps['event-processor'];
  const subscriber = apps['proposal-subscriber'];

  if (!rabbit.reachable) {
    return backlog > 0
      ? { state: 'stuck', why: `RabbitMQ is unreachable; ${backlog} event(s) wait safely in the outbox` }
      : { state: 'stuck', why: 'RabbitMQ is unreachable; new events will wait safely in the outbox' };
  }
  if (processor.health === 'unreachable') {
    return { state: 'stuck', why: 'the event processor is not running; new events wait in the outbox' };
  }
  if (processor.health === 'down') {
    const cause = processor.failing.length > 0 ? ` (${processor.failing.join(', ')} down)` : '';
    const waiting = backlog > 0 ? `${backlog} event(s)` : 'new events';
    return { state: 'stuck', why: `the event processor cannot publish${cause}; ${waiting} wait in the outbox` };
  }
  const inFlight = (rabbit.work ?? 0) + (rabbit.retry ?? 0);
  if (inFlight > 0 && rabbit.consumers === 0) {
    return { state: 'stuck', why: `no subscriber is consuming; ${inFlight} message(s) wait in RabbitMQ` };
  }
  if (subscriber.health !== 'up' && subscriber.failing.includes('mongodb')) {
    return { state: 'stuck', why: 'MongoDB is unreachable: the subscriber cannot project; messages wait in the retry queue' };
  }
  if (backlog > 0 || inFlight > 0) {
    return { state: 'catching up', why: `${backlog} in the outbox, ${inFlight} in RabbitMQ` };
  }
  if ((rabbit.dlq ?? 0) > 0) {
    return { state: 'stuck', why: `${rabbit.dlq} message(s) in the DLQ — inspect them below, then redrive` };
  }
  if (subscriber.health === 'unreachable') {
    return { state: 'stuck', why: 'the proposal subscriber is not running; new events will wait in RabbitMQ' };
  }
  if (!isUp(input, 'command-api')) return { state: 'stuck', why: 'the command API is down: no proposal can be created' };
  if (!isUp(input, 'query-api')) return { state: 'stuck', why: 'the query API is down: the read side cannot be queried' };
  return { state: 'in sync', why: 'nothing in flight: the outbox and the queues are empty' };
}
