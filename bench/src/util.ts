import { withTimeout } from '@acme/contracts';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const started = performance.now();

/** One progress line, prefixed with the time since the benchmark started. */
export function say(line: string): void {
  const t = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  console.log(`[bench +${t}s] ${line}`);
}

export { sleep };

export const now = (): number => performance.now();

export const fmt = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined || !Number.isFinite(n)
    ? 'n/a'
    : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** `report`, called at most once a second however often the returned function is: progress lines while polling. */
export function everySecond(report: () => void): () => void {
  let last = now();
  return () => {
    if (now() - last < 1_000) return;
    last = now();
    report();
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? null;
}

export const round = (n: number | null, digits = 1): number | null =>
  n === null || !Number.isFinite(n) ? null : Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Resources to release, newest first. Every phase registers what it creates (databases, vhosts,
 * app processes, connections) right after creating it, and the phase's `finally` releases them —
 * also on failure, and on Ctrl-C through the process-wide registry.
 */
export class Cleanup {
  private readonly tasks: { what: string; run: () => Promise<unknown> }[] = [];

  add(what: string, run: () => Promise<unknown>): void {
    this.tasks.push({ what, run });
  }

  async run(): Promise<void> {
    for (let task = this.tasks.pop(); task; task = this.tasks.pop()) {
      try {
        await withTimeout(task.run(), 60_000, `cleanup: ${task.what}`);
      } catch (error) {
        console.error(`[bench] cleanup of ${task.what} failed: ${(error as Error).message}`);
      }
    }
  }
}

/** Scopes whose resources are still held, for the Ctrl-C / crash handler. */
export const openScopes = new Set<Cleanup>();

export async function scoped<T>(work: (cleanup: Cleanup) => Promise<T>): Promise<T> {
  const cleanup = new Cleanup();
  openScopes.add(cleanup);
  try {
    return await work(cleanup);
  } finally {
    await cleanup.run();
    openScopes.delete(cleanup);
  }
}
