import { amqpEnv, loadConfig, mongoEnv, postgresEnv, topologyEnv } from '@acme/config';
import { connect, type ChannelModel } from 'amqplib';
import { MongoClient, type Db } from 'mongodb';
import { existsSync } from 'node:fs';
import { Pool } from 'pg';
import { z } from 'zod';

const labSchema = z.object({
  ...postgresEnv,
  ...amqpEnv,
  ...mongoEnv,
  ...topologyEnv,
  COMMAND_API_PORT: z.coerce.number().int().default(3000),
  QUERY_API_PORT: z.coerce.number().int().default(3001),
  EVENT_PROCESSOR_PORT: z.coerce.number().int().default(3002),
  PROPOSAL_SUBSCRIBER_PORT: z.coerce.number().int().default(3003),
  /** `local` (npm start / npm run up on this machine) or `compose` (docker compose). */
  ACME_RUNTIME: z.enum(['local', 'compose']).default('local'),
});

export type LabConfig = z.infer<typeof labSchema>;

/**
 * The lab console's connections, opened on first use and closed at the end of a command.
 * It talks to both sides on purpose: it is the instructor's view of the whole pipeline.
 */
export class LabContext {
  readonly config: LabConfig;
  private pgPool?: Pool;
  private amqpConnection?: ChannelModel;
  private mongoClient?: MongoClient;

  constructor() {
    // Same settings as `npm start`: .env, or before the first `npm start` the .env.example it is
    // made from, under the shell's variables.
    const envFile = ['.env', '.env.example'].find((file) => existsSync(file));
    if (envFile) {
      const shell = { ...process.env };
      process.loadEnvFile(envFile);
      Object.assign(process.env, shell);
    }
    this.config = loadConfig(labSchema);
  }

  get pg(): Pool {
    this.pgPool ??= new Pool({ connectionString: this.config.DATABASE_URL, max: 4, connectionTimeoutMillis: 3_000 });
    return this.pgPool;
  }

  async amqp(): Promise<ChannelModel> {
    this.amqpConnection ??= await connect(this.config.AMQP_URL, { timeout: 3_000 });
    return this.amqpConnection;
  }

  /** Closes the lab's own RabbitMQ connection (the next `amqp()` opens a new one). */
  async closeAmqp(): Promise<void> {
    const connection = this.amqpConnection;
    this.amqpConnection = undefined;
    await connection?.close().catch(() => undefined);
  }

  get mongo(): Db {
    // A stopped MongoDB is the lab's fault to show (Lab 4a): say so within 2 s, not the driver's 30.
    this.mongoClient ??= new MongoClient(this.config.MONGO_URL, { serverSelectionTimeoutMS: 2_000 });
    return this.mongoClient.db(this.config.MONGO_DB);
  }

  url(app: 'command-api' | 'query-api' | 'event-processor' | 'proposal-subscriber'): string {
    const port = {
      'command-api': this.config.COMMAND_API_PORT,
      'query-api': this.config.QUERY_API_PORT,
      'event-processor': this.config.EVENT_PROCESSOR_PORT,
      'proposal-subscriber': this.config.PROPOSAL_SUBSCRIBER_PORT,
    }[app];
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.pgPool?.end(), this.amqpConnection?.close(), this.mongoClient?.close()]);
  }
}

/** Runs `fn`; resolves to undefined instead of throwing (for "unreachable" cells in the status table). */
export async function attempt<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch {
    return undefined;
  }
}
