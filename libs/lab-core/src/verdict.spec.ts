import type { HealthAnswer, LabApp, PipelineStatus } from './pipeline-status';
import { verdictOf } from './verdict';

const up: HealthAnswer = { ok: true, failing: [] };
const allUp = { 'command-api': true, 'query-api': true, 'event-processor': true, 'proposal-subscriber': true };
const answersUp = { 'command-api': { ...up, publishMode: 'outbox' }, 'query-api': up, 'event-processor': up, 'proposal-subscriber': up };

/** A pipeline in sync with five proposals; each case changes what its lab state changes. */
function status(overrides: Partial<Omit<PipelineStatus, 'verdict'>> = {}, answers: Partial<Record<LabApp, HealthAnswer>> = {}): Omit<PipelineStatus, 'verdict'> {
  return {
    writeProposals: 5,
    outboxUnprocessed: 0,
    outboxProcessed: 5,
    outboxParked: 0,
    outboxUnroutable: 0,
    queues: { work: 0, retry: 0, dlq: 0, consumers: 1 },
    readProposals: 5,
    appliedEvents: 5,
    duplicateEvents: 0,
    duplicateDeliveries: 0,
    health: allUp,
    ...overrides,
    answers: { ...answersUp, ...answers },
  };
}
const down = (failing: string[] = [], more: Partial<HealthAnswer> = {}): HealthAnswer => ({ ok: false, failing, ...more });

describe('the lab verdict, one per lab state', () => {
  it('in sync: every event projected, every app answering', () => {
    expect(verdictOf(status())).toEqual({ state: 'in sync', why: 'every stored event has been projected' });
  });

  it('the stack not running: no app answers', () => {
    const v = verdictOf({ ...status({ health: { 'command-api': false, 'query-api': false, 'event-processor': false, 'proposal-subscriber': false } }), answers: {} });
    expect(v).toEqual({ state: 'stuck', why: 'the stack is not running (no app answers): start it with npm start, or npm run up to run it detached' });
  });

  it('Lab 1 (direct mode), broker down: events are lost, not waiting in the outbox', () => {
    const v = verdictOf(status({ queues: undefined }, { 'command-api': { ...up, publishMode: 'direct' } }));
    expect(v.why).toMatch(/publishes directly \(dual write\): events of changes made now are lost/);
    expect(v.why).not.toMatch(/outbox/);
  });

  it('Lab 1 (direct mode), afterwards: the lost proposals are out of sync, not a green "in sync"', () => {
    const v = verdictOf(status({ writeProposals: 10, readProposals: 5 }, { 'command-api': { ...up, publishMode: 'direct' } }));
    expect(v.state).toBe('out of sync');
    expect(v.why).toMatch(/^5 proposal\(s\) exist on the write side but not on the read side: their events were lost \(the direct mode’s dual write\)/);
  });

  it('Lab 2, broker down (outbox mode): the events wait safely in the outbox', () => {
    expect(verdictOf(status({ queues: undefined, outboxUnprocessed: 20 }))).toEqual({ state: 'stuck', why: 'RabbitMQ is unreachable; 20 event(s) wait safely in the outbox' });
  });

  it('Lab 2, processor stopped: the waiting rows are counted', () => {
    const v = verdictOf(status({ outboxUnprocessed: 5, health: { ...allUp, 'event-processor': false } }, { 'event-processor': undefined }));
    expect(v).toEqual({ state: 'stuck', why: 'the event processor is not running; 5 event(s) wait in the outbox' });
  });

  it('a relay that answers but makes no progress, with its error', () => {
    const v = verdictOf(status({ outboxUnprocessed: 4, health: { ...allUp, 'event-processor': false } }, { 'event-processor': down(['relay'], { relay: { state: 'failing', stuck: true, lastError: 'confirm timeout' } }) }));
    expect(v).toEqual({ state: 'stuck', why: 'the event processor makes no progress (confirm timeout); 4 event(s) wait in the outbox' });
  });

  it('Lab 6, unroutable events: stuck until the queue is bound, never "catching up"', () => {
    const v = verdictOf(status({ outboxUnprocessed: 3, outboxUnroutable: 3 }));
    expect(v.state).toBe('stuck');
    expect(v.why).toMatch(/^RabbitMQ returned 3 event\(s\) as unroutable: no queue is bound to acme\.sales\.topic/);
  });

  it('Lab 4a, MongoDB down: unreachable, with where the messages wait', () => {
    expect(verdictOf(status({ readProposals: undefined, appliedEvents: undefined })).why).toBe(
      'MongoDB is unreachable: the subscriber cannot project; messages wait in the retry queue',
    );
  });

  it('Lab 4b, subscriber down with messages waiting: no subscriber is consuming', () => {
    const v = verdictOf(status({ queues: { work: 5, retry: 0, dlq: 0, consumers: 0 }, health: { ...allUp, 'proposal-subscriber': false } }, { 'proposal-subscriber': undefined }));
    expect(v).toEqual({ state: 'stuck', why: 'no subscriber is consuming; 5 message(s) wait in RabbitMQ' });
  });

  it('a subscriber that holds messages and makes no progress', () => {
    const v = verdictOf(status({ queues: { work: 4, retry: 0, dlq: 0, consumers: 1 } }, { 'proposal-subscriber': down(['progress'], { stuck: true }) }));
    expect(v).toEqual({ state: 'stuck', why: 'the proposal subscriber makes no progress; 4 message(s) wait in RabbitMQ' });
  });

  it('catching up: events in the outbox or in RabbitMQ while everything runs', () => {
    expect(verdictOf(status({ outboxUnprocessed: 3, queues: { work: 2, retry: 1, dlq: 0, consumers: 1 } }))).toEqual({ state: 'catching up', why: '3 in the outbox, 3 in RabbitMQ' });
  });

  it('Lab 4c/4d, the DLQ: the full commands, redrive once fixed or discard poison', () => {
    const v = verdictOf(status({ queues: { work: 0, retry: 0, dlq: 1, consumers: 1 } }));
    expect(v.state).toBe('stuck');
    expect(v.why).toContain('npm run lab -- dlq list');
    expect(v.why).toContain('npm run lab -- dlq purge --all');
  });

  it('Lab 7, a parked outbox row: the commands that list and redrive it', () => {
    expect(verdictOf(status({ outboxParked: 1 })).why).toMatch(/^1 outbox row\(s\) parked: see `npm run lab -- outbox parked`/);
  });

  it('workers down with nothing in flight: not "in sync" (finding 2)', () => {
    const v = verdictOf(status({ health: { ...allUp, 'event-processor': false, 'proposal-subscriber': false }, queues: { work: 0, retry: 0, dlq: 0, consumers: 0 } }));
    expect(v.state).toBe('stuck');
    expect(v.why).toMatch(/event-processor, proposal-subscriber are down/);
  });

  it('PostgreSQL down: said first', () => {
    expect(verdictOf(status({ writeProposals: undefined }))).toEqual({ state: 'stuck', why: 'PostgreSQL is unreachable' });
  });
});
