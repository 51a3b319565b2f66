import { applySchema, ensureDatabase } from '@acme/write-persistence';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { Client, Pool } from 'pg';
import { testEnv, uniqueName, waitFor } from './env';

export interface TestDatabase {
  url: string;
  name: string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A fresh database with the schema applied, just for this test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = new URL(testEnv().databaseUrl);
  const name = uniqueName();
  base.pathname = `/${name}`;
  const url = base.toString();
  await ensureDatabase(url);
  await applySchema(url);
  // A pool, not one client: it survives a restart of the server (a fault some tests inject) by
  // opening a new connection for the next query; an idle connection the server dropped is only logged.
  const pool = new Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  return {
    url,
    name,
    query: async <T>(sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows as T[],
    drop: async () => {
      await pool.end();
      const admin = new URL(url);
      admin.pathname = '/postgres';
      const c = new Client({ connectionString: admin.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

async function postgresAnswers(): Promise<boolean> {
  const server = new URL(testEnv().databaseUrl);
  server.pathname = '/postgres';
  const client = new Client({ connectionString: server.toString(), connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Fault injection: a full restart of the local PostgreSQL server (fast shutdown: every session is
 * ended, the server comes back from its WAL), with the command the machine starts it with. Resolves
 * once it accepts connections again. FerretDB's storage goes down and comes back with it.
 */
export async function restartPostgresServer(): Promise<void> {
  const [version] = readdirSync('/etc/postgresql');
  if (!version) throw new Error('no PostgreSQL cluster in /etc/postgresql');
  await promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', '-m', 'fast', version, 'main', 'restart'], { timeout: 120_000 });
  await waitFor(() => postgresAnswers(), 'PostgreSQL to accept connections after a restart', 120_000, 250);
}
