import { RunningApp } from './apps';
import { testEnv } from './env';
import { createTestMongo, type TestMongo } from './mongo';
import { createTestDatabase, type TestDatabase } from './postgres';
import { createTestVhost, type TestVhost } from './rabbitmq';

export interface PipelineOptions {
  processors?: number;
  subscribers?: number;
  /** Extra environment for every app (e.g. RETRY_DELAY_MS). */
  env?: Record<string, string>;
  /** Extra environment for the command API only (e.g. PUBLISH_MODE=direct). */
  commandApiEnv?: Record<string, string>;
  /** Another MongoDB-compatible server (e.g. a PrivateFerretDb the test may stop). */
  mongoUrl?: string;
  /** Changes the apps' environment once the database and vhost exist (e.g. URLs through a fault proxy). */
  rewire?: (env: Record<string, string>) => Promise<Record<string, string>>;
}

/**
 * The whole system as real processes, isolated for one test file: its own Postgres database,
 * RabbitMQ vhost and Mongo database, and the four apps on free ports.
 */
export class TestPipeline {
  private constructor(
    readonly db: TestDatabase,
    readonly vhost: TestVhost,
    readonly mongo: TestMongo,
    readonly env: Record<string, string>,
    readonly commandApi: RunningApp,
    readonly queryApi: RunningApp,
    readonly processors: RunningApp[],
    readonly subscribers: RunningApp[],
  ) {}

  static async start(options: PipelineOptions = {}): Promise<TestPipeline> {
    const mongoUrl = options.mongoUrl ?? testEnv().mongoUrl;
    const [db, vhost, mongo] = await Promise.all([createTestDatabase(), createTestVhost(), createTestMongo(mongoUrl)]);
    const base = {
      DATABASE_URL: db.url,
      AMQP_URL: vhost.url,
      MONGO_URL: mongoUrl,
      MONGO_DB: mongo.dbName,
      RETRY_DELAY_MS: '500',
      RELAY_POLL_INTERVAL_MS: '500',
      ...options.env,
    };
    const env = options.rewire ? await options.rewire(base) : base;
    const [processors, subscribers] = await Promise.all([
      Promise.all(Array.from({ length: options.processors ?? 1 }, () => RunningApp.start('event-processor', env))),
      Promise.all(Array.from({ length: options.subscribers ?? 1 }, () => RunningApp.start('proposal-subscriber', env))),
    ]);
    const [commandApi, queryApi] = await Promise.all([
      RunningApp.start('command-api', { ...env, ...options.commandApiEnv }),
      RunningApp.start('query-api', env),
    ]);
    return new TestPipeline(db, vhost, mongo, env, commandApi, queryApi, processors, subscribers);
  }

  /** The lab CLI's environment against this pipeline: its connections and its apps' ports, nothing from a .env. */
  labCliEnv(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...this.env,
      NO_COLOR: '1',
      COMMAND_API_PORT: String(this.commandApi.port),
      QUERY_API_PORT: String(this.queryApi.port),
      EVENT_PROCESSOR_PORT: String(this.processors[0]?.port),
      PROPOSAL_SUBSCRIBER_PORT: String(this.subscribers[0]?.port),
    };
  }

  async stop(): Promise<void> {
    await Promise.all([this.commandApi, this.queryApi, ...this.processors, ...this.subscribers].map((a) => a.stop()));
    await Promise.all([this.db.drop(), this.vhost.delete(), this.mongo.drop()]);
  }
}
