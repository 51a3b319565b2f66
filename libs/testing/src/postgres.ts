import { applySchema, ensureDatabase } from '@acme/write-persistence';
import { Client } from 'pg';
import { testEnv, uniqueName } from './env';

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
  const client = new Client({ connectionString: url });
  await client.connect();
  return {
    url,
    name,
    query: async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[],
    drop: async () => {
      await client.end();
      const admin = new URL(url);
      admin.pathname = '/postgres';
      const c = new Client({ connectionString: admin.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}
