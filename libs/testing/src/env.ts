import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The workspace root (where nx.json is), from src under jest or from dist when built. */
export const repoRoot = ((): string => {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
  }
  throw new Error(`no nx.json above ${__dirname}`);
})();

/** Connection settings for tests: the shell's, else `.env` (made by scripts/infra.mjs), else `.env.example`. */
export function testEnv(): { databaseUrl: string; amqpUrl: string; mongoUrl: string } {
  for (const file of ['.env', '.env.example']) {
    const path = join(repoRoot, file);
    if (existsSync(path)) {
      // Parsed by hand: jest gives each test file its own copy of process.env.
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
        if (match?.[1] && process.env[match[1]] === undefined) process.env[match[1]] = match[2];
      }
      break;
    }
  }
  const need = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set for the tests (run scripts/infra.mjs)`);
    return value;
  };
  return { databaseUrl: need('DATABASE_URL'), amqpUrl: need('AMQP_URL'), mongoUrl: need('MONGO_URL') };
}

/** A name no other test run uses: `acme_t_<time>_<random>`. */
export function uniqueName(prefix = 'acme_t'): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ''}`);
    }
    await sleep(intervalMs);
  }
}
