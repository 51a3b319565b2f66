import type { AppHealth, AppName, AppStatus } from './snapshot';
import { verdictOf, type VerdictInput } from './verdict';

const app = (health: AppHealth = 'up', failing: string[] = [], more: Partial<AppStatus> = {}): AppStatus => ({
  url: 'http://x',
  health,
  failing,
  metrics: true,
  state: null,
  stuck: false,
  reason: null,
  ...more,
});

function pipeline(
  overrides: { apps?: Partial<Record<AppName, AppStatus>>; rabbit?: Partial<VerdictInput['rabbit']>; backlog?: number | null; parked?: number } = {},
): VerdictInput {
  return {
    apps: { 'command-api': app(), 'query-api': app(), 'event-processor': app(), 'proposal-subscriber': app(), ...overrides.apps },
    rabbit: { reachable: true, work: 0, retry: 0, dlq: 0, consumers: 1, ...overrides.rabbit },
    backlog: overrides.backlog === undefined ? 0 : overrides.backlog,
    parked: overrides.parked ?? 0,
  };
}

describe('the verdict line', () => {
  it('is IN SYNC when nothing is in flight and everything answers', () => {
    expect(verdictOf(pipeline())).toEqual({ state: 'in sync', why: 'nothing in flight: the outbox and the queues are empty' });
  });

  it('is CATCHING UP while events are in the outbox or in RabbitMQ and everything runs', () => {
    expect(verdictOf(pipeline({ backlog: 3, rabbit: { work: 2, retry: 1 } }))).toEqual({ state: 'catching up', why: '3 in the outbox, 3 in RabbitMQ' });
  });

  it('says the events wait safely in the outbox while RabbitMQ is unreachable (Lab 2)', () => {
    const v = verdictOf(pipeline({ backlog: 20, rabbit: { reachable: false, work: null, retry: null, dlq: null, consumers: null } }));
    expect(v).toEqual({ state: 'stuck', why: 'RabbitMQ is unreachable; 20 event(s) wait safely in the outbox' });
  });

  it('names a stopped event processor, and a processor that cannot publish with the dependency that is down', () => {
    expect(verdictOf(pipeline({ apps: { 'event-processor': app('unreachable') }, backlog: null })).why).toBe(
      'the event processor is not running; new events wait in the outbox',
    );
    expect(verdictOf(pipeline({ apps: { 'event-processor': app('down', ['postgres']) }, backlog: 4 })).why).toBe(
      'the event processor cannot publish (postgres down); 4 event(s) wait in the outbox',
    );
  });

  it('says no subscriber is consuming when messages wait and the work queue has no consumer (Lab 4b)', () => {
    const v = verdictOf(pipeline({ apps: { 'proposal-subscriber': app('unreachable') }, rabbit: { work: 5, consumers: 0 } }));
    expect(v).toEqual({ state: 'stuck', why: 'no subscriber is consuming; 5 message(s) wait in RabbitMQ' });
  });

  it('says MongoDB is unreachable when the subscriber reports it down (Lab 4a)', () => {
    const v = verdictOf(pipeline({ apps: { 'proposal-subscriber': app('down', ['mongodb']) }, rabbit: { retry: 5 } }));
    expect(v.state).toBe('stuck');
    expect(v.why).toContain('MongoDB is unreachable');
  });

  it('is STUCK with the DLQ count once the rest has drained (Lab 4c)', () => {
    expect(verdictOf(pipeline({ rabbit: { dlq: 2 } }))).toEqual({
      state: 'stuck',
      why: '2 message(s) in the DLQ — inspect them below; redrive once the cause is fixed, or discard poison with npm run lab -- dlq purge --all',
    });
  });

  it('names an API that is down when the pipeline itself is idle', () => {
    expect(verdictOf(pipeline({ apps: { 'command-api': app('unreachable') } })).why).toBe('the command API is down: no proposal can be created');
    expect(verdictOf(pipeline({ apps: { 'query-api': app('down', ['mongodb']) } })).why).toBe('the query API is down: the read side cannot be queried');
  });

  it('treats figures nobody reported (n/a) as nothing waiting rather than failing', () => {
    expect(verdictOf(pipeline({ backlog: null, rabbit: { work: null, retry: null, dlq: null, consumers: null } })).state).toBe('in sync');
  });

  it('says events wait for a binding when the relay reports them unroutable, never "catching up" (Lab 6)', () => {
    const processor = app('down', ['relay'], { state: 'unroutable', reason: 'unroutable: no queue bound' });
    const v = verdictOf(pipeline({ apps: { 'event-processor': processor }, backlog: 3 }));
    expect(v.state).toBe('stuck');
    expect(v.why).toMatch(/^RabbitMQ returns events as unroutable: no queue is bound to acme\.sales\.topic .*3 event\(s\) wait in the outbox/);
  });

  it('names a relay that makes no progress, with its last error, and not a dependency that is up', () => {
    const processor = app('down', ['relay'], { state: 'failing', stuck: true, reason: 'publisher confirm timeout' });
    expect(verdictOf(pipeline({ apps: { 'event-processor': processor }, backlog: 7 })).why).toBe(
      'the event processor makes no progress (publisher confirm timeout); 7 event(s) wait in the outbox',
    );
  });

  it('names a subscriber that holds messages and makes no progress', () => {
    const subscriber = app('down', ['progress'], { stuck: true });
    expect(verdictOf(pipeline({ apps: { 'proposal-subscriber': subscriber }, rabbit: { work: 4 } }))).toEqual({
      state: 'stuck',
      why: 'the proposal subscriber makes no progress; 4 message(s) wait in RabbitMQ',
    });
  });

  it('reports parked outbox rows once the rest has flowed, with the commands that list and redrive them (Lab 7)', () => {
    const v = verdictOf(pipeline({ parked: 1 }));
    expect(v.state).toBe('stuck');
    expect(v.why).toMatch(/^1 outbox row\(s\) parked .*npm run lab -- outbox parked.*npm run lab -- outbox redrive --all$/);
    expect(verdictOf(pipeline({ parked: 1, backlog: 5 })).state).toBe('catching up');
  });
});
