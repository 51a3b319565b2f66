/**
 * `npm run bench [-- --quick]`: the pipeline's throughput and latency against the raw limits of its
 * parts, on this machine, everything on 127.0.0.1. See bench/README.md.
 */
import { rabbitAnswers, testEnv } from '@acme/testing';
import { MongoClient } from 'mongodb';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { startPipeline } from './apps';
import { e2eBench } from './e2e';
import { closeHttpAgent } from './http-client';
import { createCustomers, pipelineProbe, postBench, QueueDepthProbe, waitDrained } from './load';
import { projectorBench } from './projector';
import { rawMongo, rawMongoReplace, rawPostgres, rawRabbit } from './raw';
import { relayBench } from './relay';
import { latestJson, markdown, type BenchOutcome, type QueueTypeFigures } from './report';
import { assertLocal, benchRoot, loadEnvFile, machineInfo, parseSettings, type BenchSettings } from './settings';
import { now, openScopes, say, scoped, sleep } from './util';

const APPS = ['command-api', 'query-api', 'event-processor', 'proposal-subscriber'];
/** e2e rate when the POST phase was not run (--only=e2e). */
const DEFAULT_E2E_RATE = 100;

async function releaseEverything(): Promise<void> {
  for (const scope of [...openScopes].reverse()) await scope.run();
}

function installSignalHandlers(hardCapMs: number): void {
  let stopping = false;
  const abort = (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.error(`[bench] ${why}: cleaning up (databases, vhosts, processes)…`);
    void releaseEverything().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => abort('interrupted', 130));
  process.on('SIGTERM', () => abort('terminated', 143));
  process.on('uncaughtException', (error) => {
    // An idle Postgres connection of a helper (no error listener) killed by the server — e.g. another
    // session restarting Postgres, or a database dropped WITH (FORCE). The phase in flight fails on its
    // own if it was affected; the benchmark goes on.
    if ((error as { code?: string }).code === '57P01') return say(`warning: a Postgres connection was terminated (${error.message})`);
    abort(`crashed: ${error.stack ?? error.message}`, 1);
  });
  process.on('unhandledRejection', (error) => abort(`crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, 1));
  setTimeout(() => abort(`exceeded the hard limit of ${hardCapMs / 60_000} minutes`, 1), hardCapMs).unref();
}

/** True when Postgres, RabbitMQ and the MongoDB-compatible server all answer. */
async function servicesAnswer(): Promise<string[]> {
  const env = testEnv();
  const down: string[] = [];
  // The server, not the app's database: the phases use databases of their own, and on a fresh machine
  // the app's database does not exist until the apps (or `npm start`) create it.
  const server = new URL(env.databaseUrl);
  server.pathname = '/postgres';
  const pg = new Client({ connectionString: server.toString(), connectionTimeoutMillis: 2_000 });
  pg.on('error', () => undefined);
  await pg
    .connect()
    .then(() => pg.query('SELECT 1'))
    .catch(() => down.push('PostgreSQL'))
    .finally(() => pg.end().catch(() => undefined));
  if (!(await rabbitAnswers())) down.push('RabbitMQ');
  const mongo = new MongoClient(env.mongoUrl, { serverSelectionTimeoutMS: 2_000 });
  await mongo
    .db('admin')
    .command({ ping: 1 })
    .catch(() => down.push('MongoDB'))
    .finally(() => mongo.close().catch(() => undefined));
  return down;
}

/**
 * Before each phase: waits (at most 60 s) for the services to answer. On a shared machine a lab or a
 * test may stop RabbitMQ or FerretDB for a moment; the phase then starts when they are back.
 */
async function awaitServices(name: string): Promise<void> {
  const deadline = now() + 60_000;
  for (let i = 0; i < 30; i++) {
    const down = await servicesAnswer();
    if (down.length === 0) return;
    if (now() > deadline) throw new Error(`${down.join(', ')} did not answer for 60 s`);
    if (i % 5 === 0) say(`${name}: waiting for ${down.join(', ')} to answer…`);
    await sleep(2_000);
  }
}

async function phase<T>(outcome: BenchOutcome, name: string, work: () => Promise<T>): Promise<T | undefined> {
  try {
    await awaitServices(name);
    return await work();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    outcome.errors[name] = message;
    say(`${name}: FAILED: ${message}`);
    return undefined;
  }
}

async function postAndE2e(settings: BenchSettings, outcome: BenchOutcome): Promise<void> {
  await scoped(async (cleanup) => {
    say('pipeline: isolated database, vhost and Mongo database; starting the four apps…');
    const pipeline = await startPipeline(cleanup, {
      RELAY_BATCH_SIZE: String(settings.relayBatchSize),
      PG_POOL_SIZE: String(settings.pgPoolSize),
      CONSUMER_PREFETCH: String(settings.consumerPrefetch),
      MAX_ATTEMPTS: String(settings.maxAttempts),
      QUEUE_MESSAGE_TTL_MS: String(settings.queueMessageTtlMs),
      RETRY_DELAY_MS: String(settings.retryDelayMs),
      QUEUE_TYPE: settings.queueTypes[0] ?? 'quorum',
    });
    const queue = new QueueDepthProbe(pipeline.vhost);
    cleanup.add('pipeline queue probe', () => queue.close());
    const customerIds = await createCustomers(pipeline, settings.customers);
    say(`pipeline: up (command-api ${pipeline.commandApi.url}, query-api ${pipeline.queryApi.url}); ${customerIds.length} customers`);

    if (settings.phases.includes('post')) {
      outcome.post = await phase(outcome, 'post', () => postBench(settings, pipeline, queue, customerIds));
    }
    if (settings.phases.includes('e2e')) {
      await phase(outcome, 'e2e', async () => {
        const drained = await waitDrained(pipelineProbe(pipeline, queue), settings.drainBoundS, 'e2e');
        if (drained === null) say(`e2e: WARNING: the pipeline has not drained after ${settings.drainBoundS} s; measuring anyway`);
        const rate = settings.e2eRate ?? (outcome.post ? Math.max(1, outcome.post.requestsPerSecond / 2) : DEFAULT_E2E_RATE);
        outcome.e2e = await e2eBench(settings, pipeline, customerIds, rate);
      });
    }
  });
}

async function main(): Promise<number> {
  loadEnvFile();
  const settings = parseSettings(process.argv.slice(2));
  assertLocal();
  for (const app of APPS) {
    if (!existsSync(join(benchRoot, 'dist', 'apps', app, 'src', 'main.js'))) throw new Error(`dist/apps/${app} is missing: run npm run build first`);
  }
  installSignalHandlers((settings.mode === 'quick' ? 10 : 30) * 60_000);

  const outcome: BenchOutcome = { settings, machine: machineInfo(), startedAt: new Date(), totalSeconds: 0, byQueueType: {}, errors: {} };
  const start = now();
  say(`${settings.mode} run: phases ${settings.phases.join(', ')} on ${outcome.machine.cores} cores (${outcome.machine.cpu_model})`);

  if (settings.phases.includes('raw')) {
    outcome.pg = await phase(outcome, 'raw pg', () => rawPostgres(settings));
    outcome.mongo = await phase(outcome, 'raw mongo', () => rawMongo(settings));
    outcome.mongoReplace = await phase(outcome, 'raw mongo replace', () => rawMongoReplace(settings));
  }
  // Each queue type in turn, in the same run, so that their ratios compare like with like.
  for (const type of settings.queueTypes) {
    const figures = (outcome.byQueueType[type] = {} as QueueTypeFigures);
    if (settings.phases.includes('raw')) figures.amqp = await phase(outcome, `raw amqp (${type})`, () => rawRabbit(settings, type));
    if (settings.phases.includes('relay')) figures.relay = await phase(outcome, `relay (${type})`, () => relayBench(settings, type));
    if (settings.phases.includes('projector')) figures.projector = await phase(outcome, `projector (${type})`, () => projectorBench(settings, type, 'spread'));
  }
  // The catch-up case (versions adjacent in the queue), once, on the first queue type.
  const [firstType] = settings.queueTypes;
  if (settings.phases.includes('projector') && firstType) {
    outcome.projectorCatchUp = await phase(outcome, `projector catch-up (${firstType})`, () => projectorBench(settings, firstType, 'adjacent'));
  }
  if (settings.phases.includes('post') || settings.phases.includes('e2e')) {
    await phase(outcome, 'pipeline', () => postAndE2e(settings, outcome));
  }
  outcome.totalSeconds = (now() - start) / 1000;

  const resultsDir = join(benchRoot, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const md = markdown(outcome);
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(latestJson(outcome), null, 2)}\n`);
  writeFileSync(join(resultsDir, 'latest.md'), md);
  const { settings: _s, machine: _m, ...details } = outcome;
  writeFileSync(join(resultsDir, 'latest-details.json'), `${JSON.stringify(details, null, 2)}\n`);
  console.log(`\n${md}`);
  say(`wrote bench/results/latest.json, latest.md and latest-details.json`);
  return Object.keys(outcome.errors).length === 0 ? 0 : 1;
}

void main()
  .catch(async (error: unknown) => {
    console.error(`[bench] ${error instanceof Error ? error.message : String(error)}`);
    await releaseEverything();
    return 1;
  })
  .then((code) => {
    closeHttpAgent();
    process.exit(code);
  });
