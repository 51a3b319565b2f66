import { TOPOLOGY } from '@acme/contracts';
import { COLLECTIONS } from '@acme/read-model';
import { POISON_KINDS, publishPoison, type PoisonKind } from '@acme/messaging';
import {
  ensureRabbitServer,
  PrivateFerretDb,
  restartPostgresServer,
  restartRabbitServer,
  startRabbitApp,
  stopRabbitApp,
  TestPipeline,
  Toxiproxy,
  waitFor,
  type ProxiedLink,
} from '@acme/testing';
import { compareSides, type Findings } from './compare';
import { runWorkload } from './workload';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ChaosOptions {
  proposals: number;
  concurrency: number;
  /** Outage lengths are scaled by this (1 = the full run). */
  outageScale: number;
  /** Also restart the RabbitMQ and PostgreSQL servers (not only stop the broker app); off when other work shares them. */
  serverRestarts: boolean;
  log: (line: string) => void;
}

export interface ChaosResult {
  ok: boolean;
  summary: string;
  findings: Findings;
  faults: string[];
  /** Messages in the DLQ that are not the run's own poison: must be 0. */
  dlq: number;
  /** The malformed messages the run published, found in the DLQ (every one of them must be). */
  poisonDeadLettered: number;
  recoverySeconds: number;
  /** App processes that ended without being told to: must be 0. */
  crashes: number;
  /** Outbox rows the relays parked (the chaos run writes one malformed row). */
  parked: number;
  /** Events returned as unroutable while the reader queue was unbound, published after it was bound again. */
  unroutableRecovered: number;
  commands: number;
  workloadErrors: string[];
}


/**
 * The chaos run: two relays and two subscribers under a mixed workload, while RabbitMQ stops twice,
 * a relay and a subscriber are killed -9, MongoDB (a private FerretDB) dies and comes back, events
 * are replayed from the outbox, every link to PostgreSQL, RabbitMQ and MongoDB is reset, silenced,
 * slowed or sliced (Toxiproxy), the reader queue is unbound under load, a malformed row goes into the
 * outbox and malformed messages onto the exchange, and (`serverRestarts`) the RabbitMQ and PostgreSQL
 * servers restart. Then it waits for quiescence and compares both sides field by field.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { log } = options;
  const ferret = await PrivateFerretDb.start();
  const toxiproxy = await Toxiproxy.start();
  const links: Record<'postgres' | 'rabbitmq' | 'mongodb', ProxiedLink | undefined> = { postgres: undefined, rabbitmq: undefined, mongodb: undefined };
  const pipeline = await TestPipeline.start({
    processors: 2,
    subscribers: 2,
    mongoUrl: ferret.url,
    env: {
      RETRY_DELAY_MS: '300',
      MAX_ATTEMPTS: '100',
      RELAY_POLL_INTERVAL_MS: '250',
      RELAY_BATCH_SIZE: '50',
      CONSUMER_PREFETCH: '20',
      PG_QUERY_TIMEOUT_MS: '3000',
      PUBLISH_CONFIRM_TIMEOUT_MS: '3000',
      MONGO_SOCKET_TIMEOUT_MS: '3000',
    },
    // Every app reaches PostgreSQL, RabbitMQ and MongoDB through the fault proxy.
    rewire: async (env) => {
      links.postgres = await toxiproxy.link('postgres', env.DATABASE_URL ?? '');
      links.rabbitmq = await toxiproxy.link('rabbitmq', env.AMQP_URL ?? '');
      links.mongodb = await toxiproxy.link('mongodb', env.MONGO_URL ?? '');
      return { ...env, DATABASE_URL: links.postgres.url, AMQP_URL: links.rabbitmq.url, MONGO_URL: links.mongodb.url };
    },
  });
  const postgresLink = links.postgres!;
  const rabbitLink = links.rabbitmq!;
  const mongoLink = links.mongodb!;
  const poison = new Set<string>();
  let parked = 0;
  let unroutableRecovered = 0;
  const faults: string[] = [];
  const started = Date.now();
  const fault = (line: string) => {
    const entry = `t+${((Date.now() - started) / 1000).toFixed(1)}s ${line}`;
    faults.push(entry);
    log(`  fault: ${entry}`);
  };
  const scaled = (ms: number) => Math.round(ms * options.outageScale);
  /** A network fault on the proxied links for `ms` (scaled), then every link healed. */
  const linkFault = async (what: string, ms: number, inject: () => Promise<unknown>) => {
    fault(what);
    await inject();
    await sleep(scaled(ms));
    await Promise.all([postgresLink.heal(), rabbitLink.heal(), mongoLink.heal()]);
    fault(`healed: ${what}`);
    await sleep(500);
  };

  try {
    log(`workload: ${options.proposals} proposals (creates, pax changes, status changes, removals), ${options.concurrency} clients`);
    const abort = new AbortController();
    const workload = runWorkload(pipeline.commandApi.url, options.proposals, options.concurrency, abort.signal);

    const schedule = async () => {
      await sleep(1_000);
      // Under load: the workload is still writing.
      const admin = await pipeline.vhost.connect();
      const ops = await admin.createChannel();
      await ops.unbindQueue(TOPOLOGY.workQueue, TOPOLOGY.exchange, TOPOLOGY.workBinding);
      fault(`${TOPOLOGY.workQueue} unbound from ${TOPOLOGY.exchange}`);
      await sleep(scaled(3_000));
      const [returned] = await pipeline.db.query<{ n: string }>(
        "SELECT count(*) AS n FROM proposalevents WHERE NOT processed AND last_error LIKE 'unroutable%'",
      );
      unroutableRecovered = Number(returned?.n ?? 0);
      await ops.bindQueue(TOPOLOGY.workQueue, TOPOLOGY.exchange, TOPOLOGY.workBinding);
      await admin.close();
      fault(`${TOPOLOGY.workQueue} bound again (${unroutableRecovered} event(s) were waiting as unroutable)`);
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
      await sleep(500);

      await linkFault('PostgreSQL links reset (TCP RST on every connection)', 2_000, () => postgresLink.reset());
      await linkFault('RabbitMQ links silent (no FIN, no RST)', 10_000, () => rabbitLink.silence());
      await linkFault('PostgreSQL links slowed (30 ms) and RabbitMQ links cut into 16-byte segments', 2_000, () =>
        Promise.all([postgresLink.slow(30), rabbitLink.slice(16)]),
      );
      await linkFault('MongoDB links reset (TCP RST on every connection)', 2_000, () => mongoLink.reset());
      await linkFault('MongoDB links silent (no FIN, no RST)', 8_000, () => mongoLink.silence());
      await linkFault('MongoDB links slowed (30 ms)', 2_000, () => mongoLink.slow(30));

      const publisher = await pipeline.vhost.connect();
      for (const kind of Object.keys(POISON_KINDS) as PoisonKind[]) poison.add(await publishPoison(publisher, kind));
      await publisher.close();
      fault(`malformed messages published to ${TOPOLOGY.exchange}: ${Object.keys(POISON_KINDS).join(', ')}`);

      if (options.serverRestarts) {
        fault('RabbitMQ server restarted (rabbitmqctl stop, rabbitmq-server -detached)');
        await restartRabbitServer();
        fault('RabbitMQ server up again');
        await sleep(1_500);
        fault('PostgreSQL server restarted (pg_ctlcluster restart -m fast; FerretDB loses its storage with it)');
        await restartPostgresServer();
        fault('PostgreSQL server up again');
        await sleep(1_500);
      }

      const [malformed] = await pipeline.db.query<{ event_id: string }>(
        `INSERT INTO proposalevents (proposal_id, event_guid, event_type, aggregate_version, payload)
         VALUES (0, gen_random_uuid(), 'proposal.created', 1, '{"hand":"written"}') RETURNING event_id`,
      );
      fault(`malformed outbox row event_id ${malformed?.event_id} written by hand`);
    };

    const [work] = await Promise.all([workload, schedule()]);
    const lastFaultEnded = Date.now();
    log(`workload done: ${work.commands} commands (${work.failed} answered 4xx); waiting for quiescence…`);

    const channel = await (await pipeline.vhost.connect()).createChannel();
    const depth = async (q: string) => (await channel.checkQueue(q)).messageCount;
    const inbox = pipeline.mongo.db.collection(COLLECTIONS.inbox);
    let lastReport = Date.now();
    await waitFor(
      async () => {
        // Parked rows wait for an operator, not for the pipeline: they are counted apart.
        const [row] = await pipeline.db.query<{ unprocessed: string; total: string }>(
          `SELECT count(*) FILTER (WHERE NOT processed AND parked_at IS NULL) AS unprocessed,
                  count(*) FILTER (WHERE parked_at IS NULL) AS total FROM proposalevents`,
        );
        const state = {
          unprocessed: Number(row?.unprocessed),
          work: await depth(TOPOLOGY.workQueue),
          retry: await depth(TOPOLOGY.retryQueue),
          missing: Number(row?.total) - (await inbox.countDocuments()),
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
    // Every malformed message must be in the DLQ (dead-lettered, not dropped, not blocking), and
    // nothing else: a real event there is a failed guarantee.
    const poisonExpected = poison.size;
    await waitFor(async () => (await depth(TOPOLOGY.deadLetterQueue)) >= poisonExpected, 'the malformed messages in the DLQ', 30_000, 250).catch(
      (error: Error) => log(`  ${error.message}`),
    );
    let dlq = 0;
    let poisonDeadLettered = 0;
    for (let message = await channel.get(TOPOLOGY.deadLetterQueue, { noAck: true }); message; message = await channel.get(TOPOLOGY.deadLetterQueue, { noAck: true })) {
      if (poison.has(String(message.properties.messageId))) poisonDeadLettered++;
      else dlq++;
    }
    await channel.close();

    // The malformed row is parked, not published; once counted, it is removed like an operator would.
    const parkedRows = await pipeline.db.query<{ event_id: string; last_error: string }>(
      'SELECT event_id, last_error FROM proposalevents WHERE parked_at IS NOT NULL',
    );
    parked = parkedRows.length;
    await pipeline.db.query("DELETE FROM proposalevents WHERE parked_at IS NOT NULL AND last_error LIKE 'malformed outbox row%'");
    const crashes = [pipeline.commandApi, pipeline.queryApi, ...pipeline.processors, ...pipeline.subscribers].reduce((n, app) => n + app.crashes, 0);

    const findings = await compareSides(pipeline.db, pipeline.mongo.db);
    const ok =
      findings.lost === 0 &&
      findings.duplicateEffects === 0 &&
      findings.outOfOrder === 0 &&
      dlq === 0 &&
      poisonDeadLettered === poisonExpected &&
      crashes === 0 &&
      parked === 1;
    const summary =
      `chaos: events=${findings.events} faults=${faults.length} lost=${findings.lost} ` +
      `duplicate_effects=${findings.duplicateEffects} duplicates_logged=${findings.duplicatesLogged} ` +
      `out_of_order=${findings.outOfOrder} dlq=${dlq} poison_dlq=${poisonDeadLettered}/${poisonExpected} recovery_s=${recoverySeconds.toFixed(1)} ` +
      `crashes=${crashes} parked=${parked} unroutable_recovered=${unroutableRecovered}`;
    return {
      ok,
      summary,
      findings,
      faults,
      dlq,
      poisonDeadLettered,
      recoverySeconds,
      crashes,
      parked,
      unroutableRecovered,
      commands: work.commands,
      workloadErrors: work.errors,
    };
  } finally {
    // Leave the shared broker as we found it, whatever happened (the node, then the app in it).
    await ensureRabbitServer().catch(() => undefined);
    await startRabbitApp().catch(() => undefined);
    await pipeline.stop().catch(() => undefined);
    await toxiproxy.stop();
    await ferret.destroy();
  }
}
