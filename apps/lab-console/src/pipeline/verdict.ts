import { TOPOLOGY } from '@acme/contracts';
import type { Snapshot, Verdict } from './snapshot';

export type VerdictInput = Pick<Snapshot, 'apps' | 'rabbit'> & { backlog: number | null; parked: number | null };

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
  const waiting = backlog > 0 ? `${backlog} event(s)` : 'new events';
  if (processor.state === 'unroutable') {
    return {
      state: 'stuck',
      why:
        `RabbitMQ returns events as unroutable: no queue is bound to ${TOPOLOGY.exchange} for them. ` +
        `${waiting} wait in the outbox and go out by themselves once the queue is bound again`,
    };
  }
  if (processor.health === 'down') {
    const failing = processor.failing.filter((check) => check !== 'relay');
    const cause = failing.length > 0 ? ` (${failing.join(', ')} down)` : processor.reason ? ` (${processor.reason})` : '';
    const what = processor.stuck && failing.length === 0 ? 'makes no progress' : 'cannot publish';
    return { state: 'stuck', why: `the event processor ${what}${cause}; ${waiting} wait in the outbox` };
  }
  const inFlight = (rabbit.work ?? 0) + (rabbit.retry ?? 0);
  if (inFlight > 0 && rabbit.consumers === 0) {
    return { state: 'stuck', why: `no subscriber is consuming; ${inFlight} message(s) wait in RabbitMQ` };
  }
  if (subscriber.health !== 'up' && subscriber.failing.includes('mongodb')) {
    return { state: 'stuck', why: 'MongoDB is unreachable: the subscriber cannot project; messages wait in the retry queue' };
  }
  if (subscriber.health === 'down' && (subscriber.stuck || subscriber.failing.includes('consumer'))) {
    const cause = subscriber.reason ? ` (${subscriber.reason})` : '';
    return { state: 'stuck', why: `the proposal subscriber makes no progress${cause}; ${inFlight} message(s) wait in RabbitMQ` };
  }
  if (backlog > 0 || inFlight > 0) {
    return { state: 'catching up', why: `${backlog} in the outbox, ${inFlight} in RabbitMQ` };
  }
  if ((input.parked ?? 0) > 0) {
    return {
      state: 'stuck',
      why:
        `${input.parked} outbox row(s) parked (malformed, or failing RELAY_MAX_ATTEMPTS times): the events behind them flow on. ` +
        'List them with npm run lab -- outbox parked; fix them, then npm run lab -- outbox redrive --all',
    };
  }
  if ((rabbit.dlq ?? 0) > 0) {
    return {
      state: 'stuck',
      why: `${rabbit.dlq} message(s) in the DLQ — inspect them below; redrive once the cause is fixed, or discard poison with npm run lab -- dlq purge --all`,
    };
  }
  if (subscriber.health === 'unreachable') {
    return { state: 'stuck', why: 'the proposal subscriber is not running; new events will wait in RabbitMQ' };
  }
  if (!isUp(input, 'command-api')) return { state: 'stuck', why: 'the command API is down: no proposal can be created' };
  if (!isUp(input, 'query-api')) return { state: 'stuck', why: 'the query API is down: the read side cannot be queried' };
  return { state: 'in sync', why: 'nothing in flight: the outbox and the queues are empty' };
}
