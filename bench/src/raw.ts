import { TOPOLOGY, withTimeout } from '@acme/contracts';
import { declareTopology, toProposalMessage, type QueueType } from '@acme/messaging';
import { collectionsOf, createMongoClient, inboxEntryOf, viewOf, type ProposalView, type InboxEntry } from '@acme/read-model';
import { newProposalId, sampleEvent } from '@acme/testing';
import { Pool } from 'pg';
import { connectVhost, isolatedServices } from './apps';
import { CpuMeter, formatCpu, type CpuReport } from './cpu';
import type { BenchSettings } from './settings';
import type { Db } from 'mongodb';
import { fmt, now, say, scoped, type Cleanup } from './util';

export interface RawResult {
  perSecond: number;
  count: number;
  seconds: number;
  cpu: CpuReport;
  note: string;
}

/** Runs `unit` `concurrency` times in parallel until the deadline; each call does one unit of work. */
async function closedLoop(concurrency: number, durationMs: number, unit: () => Promise<void>, label: string): Promise<{ count: number; seconds: number }> {
  const start = now();
  const deadline = start + durationMs;
  const maxUnits = 10_000_000; // a bound on the loop besides the clock
  let count = 0;
  let lastReport = start;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (now() < deadline && count < maxUnits) {
        await unit();
        count++;
        if (now() - lastReport >= 1_000) {
          lastReport = now();
          say(`  ${label}: ${fmt(count)} in ${((lastReport - start) / 1000).toFixed(0)} s`);
        }
      }
    }),
  );
  return { count, seconds: (now() - start) / 1000 };
}

/** One raw figure: `unit` in a closed loop of `concurrency` for the raw duration, with the CPU it took. */
async function measureClosedLoop(
  settings: BenchSettings,
  what: { label: string; unitName: string; concurrency: number; note: string },
  unit: () => Promise<void>,
): Promise<RawResult> {
  await unit(); // connect + warm
  say(`${what.label}: ${what.concurrency} concurrent, ${settings.rawDurationS} s`);
  const cpu = new CpuMeter();
  const { count, seconds } = await closedLoop(what.concurrency, settings.rawDurationS * 1000, unit, what.unitName);
  const report = cpu.stop();
  const perSecond = count / seconds;
  say(`${what.label}: ${fmt(perSecond)} ${what.unitName}/s (${fmt(count)} in ${seconds.toFixed(1)} s) — ${formatCpu(report)}`);
  return { perSecond, count, seconds, cpu: report, note: what.note };
}

/**
 * Postgres: commits of a two-row transaction (a proposals row and its outbox row, the real schema with
 * its NOTIFY trigger) through a pg Pool of PG_POOL_SIZE, with as many concurrent clients.
 */
export async function rawPostgres(settings: BenchSettings): Promise<RawResult> {
  return scoped(async (cleanup) => {
    const { db } = await isolatedServices(cleanup, { postgres: true });
    if (!db) throw new Error('no database');
    const pool = new Pool({ connectionString: db.url, max: settings.pgPoolSize });
    pool.on('error', (error) => say(`raw Postgres: idle connection failed: ${error.message}`));
    cleanup.add('raw pg pool', () => pool.end());
    const expires = new Date(Date.now() + 14 * 86_400_000);
    const tx = async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ proposal_id: number }>(
          `INSERT INTO proposals (customer_id, package_id, status, expires_at, version)
           VALUES (1, 'BAHAMA5NIGHT@COCOCLUB', 'ON_HOLD', $1, 1) RETURNING proposal_id`,
          [expires],
        );
        const proposalId = rows[0]?.proposal_id ?? newProposalId();
        const event = sampleEvent(proposalId, 1);
        await client.query(
          `INSERT INTO proposalevents (proposal_id, event_guid, event_type, aggregate_version, payload)
           VALUES ($1, $2, $3, $4, $5)`,
          [proposalId, event.eventId, event.type, event.version, event],
        );
        await client.query('COMMIT');
        client.release();
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
    };
    return measureClosedLoop(
      settings,
      {
        label: 'raw Postgres: two-row transactions',
        unitName: 'pg commits',
        concurrency: settings.pgPoolSize,
        note: `BEGIN; INSERT proposals; INSERT proposalevents (jsonb payload, NOTIFY trigger); COMMIT — pool ${settings.pgPoolSize}, ${settings.pgPoolSize} concurrent clients`,
      },
      tx,
    );
  });
}

/** A proposal event padded to about 1 KB, the size of the relay's messages. */
function kilobyteMessage() {
  const event = sampleEvent(newProposalId(), 1);
  const base = toProposalMessage(event, 'acme.bench').content.length;
  return toProposalMessage(sampleEvent(event.proposalId, 1, { notes: 'x'.repeat(Math.max(0, 1024 - base - 4)) }), 'acme.bench');
}

/**
 * RabbitMQ: amqplib confirm channel, persistent ~1 KB messages to the contract's exchange and durable
 * work queue, up to `amqpWindow` unconfirmed publishes in flight; counts confirms per second.
 */
export async function rawRabbit(settings: BenchSettings, queueType: QueueType): Promise<RawResult> {
  return scoped(async (cleanup) => {
    const { vhost } = await isolatedServices(cleanup, { rabbit: true });
    if (!vhost) throw new Error('no vhost');
    const connection = await connectVhost(vhost, cleanup, 'raw');
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined); // the failing operation rejects too: handled there
    await declareTopology(channel, { messageTtlMs: settings.queueMessageTtlMs, retryDelayMs: settings.retryDelayMs, queueType });
    const message = kilobyteMessage();
    say(`raw RabbitMQ (${queueType} queues): confirmed publishes of ${message.content.length}-byte persistent messages, window ${settings.amqpWindow}, ${settings.rawDurationS} s`);

    const cpu = new CpuMeter();
    const start = now();
    const deadline = start + settings.rawDurationS * 1000;
    let inflight = 0;
    let confirmed = 0;
    let nacked = 0;
    let published = 0;
    let confirmedAtDeadline = -1;
    let lastReport = start;
    const maxPublishes = 50_000_000;
    await withTimeout(
      new Promise<void>((resolve) => {
        let waitingForDrain = false;
        const finish = () => {
          if (confirmedAtDeadline < 0) confirmedAtDeadline = confirmed;
          if (inflight === 0) resolve();
        };
        const pump = (): void => {
          while (!waitingForDrain && inflight < settings.amqpWindow && now() < deadline && published < maxPublishes) {
            inflight++;
            published++;
            const ok = channel.publish(TOPOLOGY.exchange, 'proposal.created', message.content, message.options, (error: unknown) => {
              inflight--;
              if (error) nacked++;
              else confirmed++;
              if (now() >= deadline) return finish();
              if (now() - lastReport >= 1_000) {
                lastReport = now();
                say(`  amqp confirms: ${fmt(confirmed)} in ${((lastReport - start) / 1000).toFixed(0)} s`);
              }
              pump();
            });
            if (!ok) {
              waitingForDrain = true;
              channel.once('drain', () => {
                waitingForDrain = false;
                pump();
              });
            }
          }
          if (now() >= deadline) finish();
        };
        pump();
      }),
      settings.rawDurationS * 1000 + 60_000,
      'raw RabbitMQ publishing',
    );
    const report = cpu.stop();
    const seconds = settings.rawDurationS;
    const perSecond = confirmedAtDeadline / seconds;
    say(`raw RabbitMQ (${queueType}): ${fmt(perSecond)} confirmed/s (${fmt(confirmedAtDeadline)} in ${seconds} s, ${nacked} nacked) — ${formatCpu(report)}`);
    return {
      perSecond,
      count: confirmedAtDeadline,
      seconds,
      cpu: report,
      note: `amqplib confirm channel, ${message.content.length}-byte persistent messages to ${TOPOLOGY.exchange} → durable ${queueType} ${TOPOLOGY.workQueue}, ${settings.amqpWindow} in flight`,
    };
  });
}

/** A Mongo database of its own, through a client with the read side's settings; both go with `cleanup`. */
async function freshMongoDb(cleanup: Cleanup): Promise<Db> {
  const { mongo } = await isolatedServices(cleanup, { mongo: true });
  if (!mongo) throw new Error('no mongo database');
  const client = createMongoClient(mongo.url);
  cleanup.add('raw mongo client', () => client.close());
  return client.db(mongo.dbName);
}

/**
 * MongoDB (FerretDB here): single-document insertOne of a proposaleventstore-like document (~1 KB, unique
 * eventId index as in the read model), `mongoConcurrency` at once, with the read side's client settings.
 */
export async function rawMongo(settings: BenchSettings): Promise<RawResult> {
  return scoped(async (cleanup) => {
    const collection = (await freshMongoDb(cleanup)).collection<InboxEntry>('bench_inserts');
    await collection.createIndex({ eventId: 1 }, { unique: true, name: 'eventId_unique' });
    const insert = async () => {
      const event = sampleEvent(newProposalId(), 1);
      await collection.insertOne(inboxEntryOf(event, new Date()));
    };
    return measureClosedLoop(
      settings,
      {
        label: 'raw Mongo: insertOne',
        unitName: 'mongo inserts',
        concurrency: settings.mongoConcurrency,
        note: `mongodb driver insertOne of a ~1 KB event-store document (unique eventId index), ${settings.mongoConcurrency} concurrent, maxPoolSize 20 as the subscriber`,
      },
      insert,
    );
  });
}

/**
 * MongoDB (FerretDB here): the projector's floor for an update event — one conditional replaceOne of a
 * proposal view (filtered by `_id` and version, as converge writes it), `mongoConcurrency` at once, on
 * 5,000 views. Not one of latest.json's keys: it is the ceiling that explains projector_events_per_s.
 */
export async function rawMongoReplace(settings: BenchSettings): Promise<RawResult> {
  return scoped(async (cleanup) => {
    const views = collectionsOf(await freshMongoDb(cleanup)).proposals;
    const count = 5_000;
    const seeded = Array.from({ length: count }, () => viewOf(sampleEvent(newProposalId(), 1), new Date()));
    await views.insertMany(seeded);
    const versions = new Map(seeded.map((v) => [v._id, v.version]));
    let next = 0;
    const replace = async () => {
      const view = seeded[next++ % count] as ProposalView;
      const version = versions.get(view._id) ?? 1;
      versions.set(view._id, version + 1);
      const { matchedCount } = await views.replaceOne({ _id: view._id, version }, { ...view, version: version + 1 });
      // A miss is cheaper than a replace and would flatter the figure: it must not happen.
      if (matchedCount !== 1) throw new Error(`raw replace of view ${view._id} at version ${version} matched nothing`);
    };
    return measureClosedLoop(
      settings,
      {
        label: 'raw Mongo: conditional replaceOne',
        unitName: 'mongo replaces',
        concurrency: settings.mongoConcurrency,
        note: `mongodb driver replaceOne({_id, version}) of a proposal view among ${fmt(count)}, ${settings.mongoConcurrency} concurrent — what each update event costs the projector at least`,
      },
      replace,
    );
  });
}
