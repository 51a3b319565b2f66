import { ensureDatabase } from '@acme/write-persistence';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { MongoClient, type Db } from 'mongodb';
import { repoRoot, testEnv, uniqueName, waitFor } from './env';

export interface TestMongo {
  url: string;
  dbName: string;
  client: MongoClient;
  db: Db;
  drop(): Promise<void>;
}

/** A database of its own on the shared MongoDB-compatible server (or on `url`). */
export async function createTestMongo(url = testEnv().mongoUrl): Promise<TestMongo> {
  const dbName = uniqueName();
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 3_000 });
  await client.connect();
  const db = client.db(dbName);
  return {
    url,
    dbName,
    client,
    db,
    drop: async () => {
      await db.dropDatabase().catch(() => undefined);
      await client.close();
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A private FerretDB process for tests that stop and start MongoDB (the shared one stays untouched).
 * Runs the build of the current tools/ferretdb sources (`.acme/bin/ferretdb`, linked by scripts/infra.mjs).
 */
export class PrivateFerretDb {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly storageUrl: string,
  ) {}

  /** Its data lives in a PostgreSQL database of its own, dropped by `destroy()`. */
  static async start(): Promise<PrivateFerretDb> {
    const storage = new URL(testEnv().databaseUrl);
    storage.pathname = `/${uniqueName('ferret_t')}`;
    await ensureDatabase(storage.toString());
    const instance = new PrivateFerretDb(await freePort(), storage.toString());
    await instance.resume();
    return instance;
  }

  get url(): string {
    return `mongodb://127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    this.process = spawn(
      ferretBinary(),
      ['-listen', `127.0.0.1:${this.port}`, '-handler', 'postgresql', '-postgresql-url', this.storageUrl],
      { stdio: 'ignore' },
    );
    await waitFor(async () => {
      const c = new MongoClient(this.url, { serverSelectionTimeoutMS: 500 });
      try {
        await c.db('admin').command({ ping: 1 });
        return true;
      } finally {
        await c.close();
      }
    }, `FerretDB on ${this.port}`);
  }

  /** Stops the server abruptly (SIGKILL), as a crash would. */
  async kill(): Promise<void> {
    const p = this.process;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }

  async destroy(): Promise<void> {
    await this.kill();
    const admin = new URL(this.storageUrl);
    const name = admin.pathname.slice(1);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  }
}

/** The runner built from the current tools/ferretdb sources (scripts/infra.mjs keeps this link on it). */
function ferretBinary(): string {
  const link = join(repoRoot, '.acme', 'bin', 'ferretdb');
  if (!existsSync(link)) throw new Error('FerretDB is not built: run `node scripts/infra.mjs --private-ferretdb` (npm test does)');
  return link;
}
