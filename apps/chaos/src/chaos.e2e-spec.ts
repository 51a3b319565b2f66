import { POISON_KINDS } from '@acme/messaging';
import { runChaos } from './chaos-run';

/**
 * The chaos run, small: two relays and two subscribers under a mixed workload while RabbitMQ stops
 * twice, a relay and a subscriber are killed -9, MongoDB dies and comes back, events are replayed,
 * the links to PostgreSQL and RabbitMQ are reset, silenced, slowed and sliced (Toxiproxy), a malformed
 * row is written into the outbox, malformed messages onto the exchange, and the reader queue is unbound
 * under load. The links to MongoDB get the same network faults, and the RabbitMQ and PostgreSQL servers
 * restart (the e2e tier runs one file at a time: nothing else uses them meanwhile).
 * `npm run chaos` is the full-size run.
 */
describe('chaos (small)', () => {
  it('loses nothing, applies nothing twice and nothing out of order, and dead-letters nothing', async () => {
    const lines: string[] = [];
    const result = await runChaos({ proposals: 50, concurrency: 4, outageScale: 0.5, serverRestarts: true, log: (l) => lines.push(l) });

    // The summary line, for the record in the test output
    console.log([...lines, ...result.findings.details, result.summary].join('\n'));
    expect(result.findings).toMatchObject({ lost: 0, duplicateEffects: 0, outOfOrder: 0 });
    expect(result.findings.duplicatesLogged).toBeGreaterThan(0);
    expect(result.dlq).toBe(0);
    expect(result.poisonDeadLettered).toBe(Object.keys(POISON_KINDS).length);
    expect(result.faults.length).toBeGreaterThanOrEqual(8);
    expect(result.faults.join('\n')).toMatch(/MongoDB links silent[\s\S]*malformed messages[\s\S]*RabbitMQ server restarted[\s\S]*PostgreSQL server restarted/);
    expect(result.crashes).toBe(0);
    expect(result.parked).toBe(1);
    expect(result.summary).toMatch(
      /^chaos: events=\d+ faults=\d+ lost=0 duplicate_effects=0 duplicates_logged=\d+ out_of_order=0 dlq=0 poison_dlq=3\/3 recovery_s=[\d.]+ crashes=0 parked=1 unroutable_recovered=\d+$/,
    );
  }, 240_000);
});
