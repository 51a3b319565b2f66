// @ts-check
// The one poll loop of the scripts: a server coming up (infra.mjs), the apps' /health (stack.mjs).
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Calls `check` every `intervalMs` until it answers true. Past `timeoutMs` it throws an error whose
 * message is `failure()`, asked for only then, so it can say what was still missing at that moment.
 * A `check` that throws ends the wait at once with its error: for answers that waiting cannot change.
 * @param {() => Promise<boolean>} check
 * @param {{ timeoutMs: number, intervalMs?: number, failure: () => string }} options
 */
export async function waitFor(check, { timeoutMs, intervalMs = 500, failure }) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(failure());
    await sleep(intervalMs);
  }
}
