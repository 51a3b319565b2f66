import { setTimeout as sleep } from 'node:timers/promises';

/**
 * `work`, or a rejection once `ms` have passed without it settling: for a call that can stay pending
 * for good (a broker or a database that stopped answering without closing the socket). The rejection
 * is `timedOut()`, or `Error("<what> took longer than <ms> ms")` given a string. The work itself goes
 * on; only the wait for it ends.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, timedOut: string | (() => Error)): Promise<T> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      work,
      sleep(ms, undefined, { signal: timer.signal }).then(() => {
        throw typeof timedOut === 'string' ? new Error(`${timedOut} took longer than ${ms} ms`) : timedOut();
      }),
    ]);
  } finally {
    timer.abort();
  }
}
