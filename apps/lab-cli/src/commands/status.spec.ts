import { verdictOf, type PipelineStatus } from './status';

const allUp = { 'command-api': true, 'query-api': true, 'event-processor': true, 'proposal-subscriber': true };

function status(overrides: Partial<PipelineStatus> = {}): PipelineStatus {
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
    verdict: { state: 'in sync', why: '' },
    ...overrides,
  };
}

describe('lab status: the verdict', () => {
  it('is IN SYNC when every event is projected and every app answers', () => {
    expect(verdictOf(status())).toEqual({ state: 'in sync', why: 'every stored event has been projected' });
  });

  it('says the stack is not running when no app answers, and how to start it', () => {
    const down = { 'command-api': false, 'query-api': false, 'event-processor': false, 'proposal-subscriber': false };
    expect(verdictOf(status({ health: down, readProposals: undefined }))).toEqual({
      state: 'stuck',
      why: 'the stack is not running (no app answers): start it with npm start, or npm run up to run it detached',
    });
  });

  it('is not IN SYNC while both workers are down, even with nothing in flight (finding 2)', () => {
    const v = verdictOf(status({ health: { ...allUp, 'event-processor': false, 'proposal-subscriber': false }, queues: { work: 0, retry: 0, dlq: 0, consumers: 0 } }));
    expect(v.state).toBe('stuck');
    expect(v.why).toMatch(/event-processor, proposal-subscriber are down/);
  });

  it('says a relay that answers but makes no progress does so, with its error, not "not running"', () => {
    const v = verdictOf(status({ outboxUnprocessed: 4, health: { ...allUp, 'event-processor': false }, relay: { state: 'failing', stuck: true, lastError: 'confirm timeout' } }));
    expect(v).toEqual({ state: 'stuck', why: 'the event processor makes no progress (confirm timeout); 4 event(s) wait in the outbox' });
    expect(verdictOf(status({ outboxUnprocessed: 4, health: { ...allUp, 'event-processor': false } })).why).toBe(
      'the event processor is not running; 4 event(s) wait in the outbox',
    );
  });

  it('names unroutable events and never calls them "catching up"', () => {
    const v = verdictOf(status({ outboxUnprocessed: 3, outboxUnroutable: 3 }));
    expect(v.state).toBe('stuck');
    expect(v.why).toMatch(/^RabbitMQ returned 3 event\(s\) as unroutable/);
  });

  it('gives the full commands for the DLQ, with the clean-up for poison (finding 12)', () => {
    const v = verdictOf(status({ queues: { work: 0, retry: 0, dlq: 1, consumers: 1 } }));
    expect(v.why).toContain('npm run lab -- dlq list');
    expect(v.why).toContain('npm run lab -- dlq purge --all');
    expect(v.why).not.toMatch(/`lab dlq/);
  });

  it('reports parked rows with the commands that list and redrive them', () => {
    expect(verdictOf(status({ outboxParked: 1 })).why).toMatch(/1 outbox row\(s\) parked: see `npm run lab -- outbox parked`/);
  });
});
