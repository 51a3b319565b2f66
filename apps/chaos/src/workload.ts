import { http } from '@acme/testing';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A mixed workload through the command API: creates, pax changes, status changes along the allowed
 * transitions, removals. Each proposal's commands are sent in order; proposals run concurrently.
 */
export interface WorkloadResult {
  commands: number;
  failed: number;
  errors: string[];
}

const NAMES = ['Zoë', 'Seán', "D'Arcy", 'Nguyễn', 'Ólafur', 'Smith-Jones', '李', 'Müller', 'Okafor', 'Ивана'];
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;

function pax(n: number) {
  const lastName = pick(NAMES);
  return Array.from({ length: n }, (_, i) => ({ firstName: pick(NAMES), lastName, age: 10 + i * 7 + Math.floor(Math.random() * 5) }));
}

/** Status walks that respect the transition rules; a walk may end with a removal. */
const WALKS = [
  ['AWAITING_CONFIRMATION', 'ACCEPTED'],
  ['AWAITING_CONFIRMATION', 'ON_HOLD', 'AWAITING_CONFIRMATION', 'REJECTED'],
  ['REJECTED'],
  ['AWAITING_CONFIRMATION'],
  [],
] as const;

export async function runWorkload(commandApiUrl: string, proposals: number, concurrency: number, signal: AbortSignal): Promise<WorkloadResult> {
  const result: WorkloadResult = { commands: 0, failed: 0, errors: [] };
  const send = async (method: string, path: string, body?: unknown) => {
    // A command may hit the API while a dependency restarts: retry transient failures (5xx, network).
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await http(method, `${commandApiUrl}${path}`, body);
        if (res.status < 500) {
          result.commands++;
          if (res.status >= 400) {
            result.failed++;
            if (result.errors.length < 5) result.errors.push(`${method} ${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
          }
          return res;
        }
      } catch {
        // connection refused while restarting: retry
      }
      if (attempt >= 20 || signal.aborted) throw new Error(`${method} ${path} kept failing`);
      await sleep(250);
    }
  };

  const lifecycle = async () => {
    const created = await send('POST', '/proposals', { customerId: 1 + Math.floor(Math.random() * 3), packageId: 'CHAOS@TEST', pax: pax(1 + Math.floor(Math.random() * 3)) });
    const id = (created.body as { proposalId?: number }).proposalId;
    if (!id) return;
    if (Math.random() < 0.6) await send('PUT', `/proposals/${id}/pax`, { pax: pax(1 + Math.floor(Math.random() * 4)) });
    for (const status of pick(WALKS)) await send('PATCH', `/proposals/${id}/status`, { status });
    if (Math.random() < 0.15) await send('DELETE', `/proposals/${id}`);
  };

  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < proposals && !signal.aborted) {
        next++;
        await lifecycle();
      }
    }),
  );
  return result;
}
