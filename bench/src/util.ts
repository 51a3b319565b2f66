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

/** Rejects after `ms` with a message naming what took too long. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${Math.round(ms / 1000)} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `probe` every `intervalMs` until it returns true, for at most `timeoutMs` (and so at most
 * timeoutMs / intervalMs + 1 probes). `onTick` gets a progress call about once a second.
 */
export async function pollUntil(
  probe: () => Promise<boolean>,
  options: { what: string; timeoutMs: number; intervalMs: number; onTick?: () => Promise<void> | void },
): Promise<void> {
  const deadline = now() + options.timeoutMs;
  const maxProbes = Math.ceil(options.timeoutMs / options.intervalMs) + 1;
  let lastTick = now();
  for (let i = 0; i < maxProbes; i++) {
    if (await probe()) return;
    if (now() > deadline) break;
    if (options.onTick && now() - lastTick >= 1_000) {
      lastTick = now();
      await options.onTick();
    }
    await sleep(options.intervalMs);
  }
  throw new Error(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}`);
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
