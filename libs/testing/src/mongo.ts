import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
 * Uses the binary that scripts/infra.mjs built into .acme/bin.
 */
export class PrivateFerretDb {
  private process: ChildProcess | undefined;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'acme-ferretdb-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateFerretDb> {
    const instance = new PrivateFerretDb(await freePort());
    await instance.resume();
    return instance;
  }

  get url(): string {
    return `mongodb://127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    this.process = spawn(ferretBinary(), ['-listen', `127.0.0.1:${this.port}`, '-sqlite-url', `file:${this.dataDir}/`], {
      stdio: 'ignore',
    });
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
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function ferretBinary(): string {
  const dir = join(repoRoot, '.acme', 'bin');
  const found = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('ferretdb-')) : [];
  if (!found[0]) throw new Error('FerretDB is not built: run `node scripts/infra.mjs` first');
  return join(dir, found[0]);
}
