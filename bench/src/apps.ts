import { withTimeout } from '@acme/contracts';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createTestDatabase,
  createTestMongo,
  createTestVhost,
  freePort,
  repoRoot as testingRepoRoot,
  RunningApp,
  waitFor,
  type AppName,
  type TestDatabase,
  type TestMongo,
  type TestVhost,
} from '@acme/testing';
import { claimDatabase } from './cpu';
import { benchRoot } from './settings';
import type { ChannelModel } from 'amqplib';
import { MongoClient } from 'mongodb';
import { type Cleanup, say, sleep } from './util';

/** What the benchmark needs of a running app: RunningApp from @acme/testing has exactly this shape. */
export interface BenchApp {
  readonly name: AppName;
  readonly url: string;
  readonly output: string;
  stop(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts a built app (dist/) as a process on a free port and registers its stop with `cleanup`.
 * Uses RunningApp from @acme/testing. RunningApp finds dist/ from its own location, which is right
 * under jest (libs/testing/src) but not when the testing lib itself runs compiled from dist/ — then
 * a local launcher with the same behaviour is used (see bench/README.md).
 */
export async function startApp(name: AppName, env: Record<string, string>, cleanup: Cleanup): Promise<BenchApp> {
  const app: BenchApp = runningAppFindsDist()
    ? await RunningApp.start(name, env, { waitHealthy: false })
    : await LocalApp.start(name, env);
  cleanup.add(`${name} process`, () => stopApp(app));
  await waitHealthy(app);
  return app;
}

/** SIGTERM, then SIGKILL if the app has not exited within 15 s. */
async function stopApp(app: BenchApp): Promise<void> {
  try {
    await withTimeout(app.stop(), 15_000, `${app.name} graceful stop`);
  } catch {
    await app.kill('SIGKILL');
  }
}

async function waitHealthy(app: BenchApp): Promise<void> {
  await waitFor(async () => (await fetch(`${app.url}/health`)).ok, `${app.name} to be healthy`, 60_000, 100).catch(
    (error: Error) => {
      throw new Error(`${error.message}\n--- ${app.name} output ---\n${app.output.slice(-3_000)}`);
    },
  );
}

function runningAppFindsDist(): boolean {
  return existsSync(join(testingRepoRoot, 'dist', 'apps', 'command-api', 'src', 'main.js'));
}

const PORT_VARIABLE: Record<AppName, string> = {
  'command-api': 'COMMAND_API_PORT',
  'query-api': 'QUERY_API_PORT',
  'event-processor': 'EVENT_PROCESSOR_PORT',
  'proposal-subscriber': 'PROPOSAL_SUBSCRIBER_PORT',
};

/** Same launch as RunningApp (node dist/apps/<name>/src/main.js, LOG_LEVEL=warn, port on a free port). */
class LocalApp implements BenchApp {
  output = '';

  private constructor(
    readonly name: AppName,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    const append = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-50_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
  }

  static async start(name: AppName, env: Record<string, string>): Promise<LocalApp> {
    const port = await freePort();
    const child = spawn(process.execPath, [join(benchRoot, 'dist', 'apps', name, 'src', 'main.js')], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env, [PORT_VARIABLE[name]]: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new LocalApp(name, port, child);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill(signal);
    });
  }

  stop(): Promise<void> {
    return this.kill('SIGTERM');
  }
}

/** An isolated Postgres database, RabbitMQ vhost and Mongo database, each dropped by `cleanup`. */
export async function isolatedServices(
  cleanup: Cleanup,
  need: { postgres?: boolean; rabbit?: boolean; mongo?: boolean },
): Promise<{ db?: TestDatabase; vhost?: TestVhost; mongo?: TestMongo }> {
  const out: { db?: TestDatabase; vhost?: TestVhost; mongo?: TestMongo } = {};
  // One at a time, each registered for cleanup as soon as it exists (a failure later still drops it).
  if (need.postgres) {
    const db = await createTestDatabase();
    cleanup.add(`database ${db.name}`, () => db.drop());
    claimDatabase(db.name);
    out.db = db;
  }
  if (need.rabbit) {
    const vhost = await createTestVhost();
    cleanup.add(`vhost ${vhost.name}`, async () => {
      await vhost.delete(); // swallows errors (e.g. the broker app stopped by a lab): check it is gone
      await ensureVhostDeleted(vhost.name);
    });
    out.vhost = vhost;
  }
  if (need.mongo) {
    const mongo = await createTestMongo();
    cleanup.add(`mongo database ${mongo.dbName}`, async () => {
      await mongo.drop(); // swallows errors: check that the database is really gone
      await ensureMongoDropped(mongo.url, mongo.dbName);
    });
    out.mongo = mongo;
  }
  return out;
}

export interface Pipeline {
  db: TestDatabase;
  vhost: TestVhost;
  mongo: TestMongo;
  env: Record<string, string>;
  commandApi: BenchApp;
  queryApi: BenchApp;
  processor: BenchApp;
  subscriber: BenchApp;
}

/**
 * The whole system, like TestPipeline from @acme/testing (same services, same apps, one processor and
 * one subscriber), but with every part registered for cleanup the moment it exists, so a failed
 * start leaves no database, vhost or process behind.
 */
export async function startPipeline(cleanup: Cleanup, env: Record<string, string>): Promise<Pipeline> {
  const { db, vhost, mongo } = await isolatedServices(cleanup, { postgres: true, rabbit: true, mongo: true });
  if (!db || !vhost || !mongo) throw new Error('isolated services missing');
  const fullEnv = {
    DATABASE_URL: db.url,
    AMQP_URL: vhost.url,
    MONGO_URL: mongo.url,
    MONGO_DB: mongo.dbName,
    ...env,
  };
  const [processor, subscriber] = await Promise.all([
    startApp('event-processor', fullEnv, cleanup),
    startApp('proposal-subscriber', fullEnv, cleanup),
  ]);
  const [commandApi, queryApi] = await Promise.all([
    startApp('command-api', fullEnv, cleanup),
    startApp('query-api', fullEnv, cleanup),
  ]);
  return { db, vhost, mongo, env: fullEnv, commandApi, queryApi, processor, subscriber };
}

/**
 * An AMQP connection to the vhost, closed by `cleanup`. A broker restart (another session's fault
 * injection, say) makes the phase's probes fail; it must not crash the benchmark with an unhandled
 * 'error' event.
 */
export async function connectVhost(vhost: TestVhost, cleanup: Cleanup, label: string): Promise<ChannelModel> {
  const connection = await vhost.connect();
  connection.on('error', (error: Error) => say(`${label}: AMQP connection error: ${error.message}`));
  cleanup.add(`${label} amqp connection`, () => connection.close());
  return connection;
}

/** Drops `dbName` again if it still exists; says so when the server cannot be reached to do it. */
async function ensureMongoDropped(url: string, dbName: string): Promise<void> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 3_000 });
  try {
    const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
    if (databases.some((d) => d.name === dbName)) await client.db(dbName).dropDatabase();
  } catch (error) {
    say(`warning: could not drop Mongo database ${dbName} (${(error as Error).message}); drop it by hand`);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Deletes the vhost again while it still exists, for up to ~30 s; says so if it cannot. */
async function ensureVhostDeleted(name: string): Promise<void> {
  const rabbitmqctl = (...args: string[]) => promisify(execFile)('rabbitmqctl', ['-q', ...args], { timeout: 30_000 });
  for (let attempt = 0; attempt < 6; attempt++) {
    try {
      const { stdout } = await rabbitmqctl('list_vhosts');
      if (!stdout.split('\n').some((line) => line.trim() === name)) return;
      await rabbitmqctl('delete_vhost', name);
      return;
    } catch {
      await sleep(5_000); // the broker app is away: wait for it
    }
  }
  say(`warning: could not delete RabbitMQ vhost ${name}; delete it by hand: rabbitmqctl delete_vhost ${name}`);
}
