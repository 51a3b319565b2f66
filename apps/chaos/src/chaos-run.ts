import { TOPOLOGY } from '@acme/contracts';
import { COLLECTIONS } from '@acme/read-model';
import { PrivateFerretDb, rabbitAnswers, startRabbitApp, stopRabbitApp, TestPipeline, waitFor } from '@acme/testing';
import { compareSides, type Findings } from './compare';
import { runWorkload } from './workload';

export interface ChaosOptions {
  proposals: number;
  concurrency: number;
  /** Outage lengths are scaled by this (1 = the full run). */
  outageScale: number;
  log: (line: string) => void;
}

export interface ChaosResult {
  ok: boolean;
  summary: string;
  findings: Findings;
  faults: string[];
  dlq: number;
  recoverySeconds: number;
  commands: number;
  workloadErrors: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The chaos run: two relays and two subscribers under a mixed workload, while RabbitMQ stops twice,
 * a relay and a subscriber are killed -9, MongoDB (a private FerretDB) dies and comes back, and events
 * are replayed from the outbox. Then it waits for quiescence and compares both sides field by field.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { log } = options;
  const ferret = await PrivateFerretDb.start();
  const pipeline = await TestPipeline.start({
    processors: 2,
    subscribers: 2,
    mongoUrl: ferret.url,
    env: { RETRY_DELAY_MS: '300', MAX_ATTEMPTS: '100', RELAY_POLL_INTERVAL_MS: '250', RELAY_BATCH_SIZE: '50', CONSUMER_PREFETCH: '20' },
  });
  const faults: string[] = [];
  const started = Date.now();
  const fault = (line: string) => {
    const entry = `t+${((Date.now() - started) / 1000).toFixed(1)}s ${line}`;
    faults.push(entry);
    log(`  fault: ${entry}`);
  };
  const scaled = (ms: number) => Math.round(ms * options.outageScale);

  try {
    log(`workload: ${options.proposals} proposals (creates, pax changes, status changes, removals), ${options.concurrency} clients`);
    const abort = new AbortController();
    const workload = runWorkload(pipeline.commandApi.url, options.proposals, options.concurrency, abort.signal);

    const schedule = async () => {
      await sleep(1_000);
      fault('RabbitMQ stop_app');
      await stopRabbitApp();
      await sleep(scaled(3_000));
      await startRabbitApp();
      fault('RabbitMQ start_app');
      await sleep(1_500);
      fault('kill -9 event-processor #1 (mid-batch)');
      await pipeline.processors[0]!.kill();
      await sleep(scaled(1_000));
      await pipeline.processors[0]!.restart();
      await sleep(500);
      fault('kill -9 proposal-subscriber #1 (mid-message)');
      await pipeline.subscribers[0]!.kill();
      await sleep(scaled(1_000));
      await pipeline.subscribers[0]!.restart();
      await sleep(500);
      fault('MongoDB (FerretDB) killed');
      await ferret.kill();
      await sleep(scaled(3_000));
      await ferret.resume();
      fault('MongoDB (FerretDB) restarted');
      await sleep(1_000);
      const replayed = await pipeline.db.query(
        'UPDATE proposalevents SET processed = false WHERE event_id IN (SELECT event_id FROM proposalevents WHERE processed ORDER BY random() LIMIT 25) RETURNING event_id',
      );
      fault(`replayed ${replayed.length} events from the outbox (processed = false)`);
      await sleep(1_000);
      fault('RabbitMQ stop_app (second time)');
      await stopRabbitApp();
      await sleep(scaled(2_000));
      await startRabbitApp();
      fault('RabbitMQ start_app');
      await sleep(1_000);
      fault('kill -9 event-processor #2 and proposal-subscriber #2');
      await Promise.all([pipeline.processors[1]!.kill(), pipeline.subscribers[1]!.kill()]);
      await sleep(scaled(1_000));
      await Promise.all([pipeline.processors[1]!.restart(), pipeline.subscribers[1]!.restart()]);
    };

    const [work] = await Promise.all([workload, schedule()]);
    const lastFaultEnded = Date.now();
    log(`workload done: ${work.commands} commands (${work.failed} answered 4xx); waiting for quiescence…`);

    const channel = await (await pipeline.vhost.connect()).createChannel();
    const depth = async (q: string) => (await channel.checkQueue(q)).messageCount;
    const eventStore = pipeline.mongo.db.collection(COLLECTIONS.eventStore);
    let lastReport = Date.now();
    await waitFor(
      async () => {
        const [row] = await pipeline.db.query<{ unprocessed: string; total: string }>(
          'SELECT count(*) FILTER (WHERE NOT processed) AS unprocessed, count(*) AS total FROM proposalevents',
        );
        const state = {
          unprocessed: Number(row?.unprocessed),
          work: await depth(TOPOLOGY.workQueue),
          retry: await depth(TOPOLOGY.retryQueue),
          missing: Number(row?.total) - (await eventStore.countDocuments()),
        };
        if (Date.now() - lastReport > 5_000) {
          lastReport = Date.now();
          log(`  catching up: ${JSON.stringify(state)}`);
        }
        return state.unprocessed === 0 && state.work === 0 && state.retry === 0 && state.missing === 0;
      },
      'quiescence (outbox drained, queues empty, every event applied)',
      180_000,
      250,
    ).catch((error: Error) => log(`  ${error.message}`));
    const recoverySeconds = (Date.now() - lastFaultEnded) / 1000;
    const dlq = await depth(TOPOLOGY.deadLetterQueue);
    await channel.close();

    const findings = await compareSides(pipeline.db, pipeline.mongo.db);
    const ok = findings.lost === 0 && findings.duplicateEffects === 0 && findings.outOfOrder === 0 && dlq === 0;
    const summary =
      `chaos: events=${findings.events} faults=${faults.length} lost=${findings.lost} ` +
      `duplicate_effects=${findings.duplicateEffects} duplicates_logged=${findings.duplicatesLogged} ` +
      `out_of_order=${findings.outOfOrder} dlq=${dlq} recovery_s=${recoverySeconds.toFixed(1)}`;
    return { ok, summary, findings, faults, dlq, recoverySeconds, commands: work.commands, workloadErrors: work.errors };
  } finally {
    // Leave the shared broker as we found it, whatever happened.
    if (!(await rabbitAnswers())) await startRabbitApp();
    await pipeline.stop().catch(() => undefined);
    await ferret.destroy();
  }
}
