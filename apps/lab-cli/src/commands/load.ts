import { SingleBar, Presets } from 'cli-progress';
import { Agent, request as httpRequest } from 'node:http';
import type { LabContext } from '../lab-context';
import { setTimeout as sleep } from 'node:timers/promises';

// Realistic names from many places — Unicode, apostrophes and hyphens included, as real customers have.
const FIRST = ['Zoë', 'Seán', 'Ólafur', 'Amélie', 'Mohammed', 'Aiyana', 'Björk', 'Chidi', 'Dmitri', 'Emeka', 'Fatima', 'Giulia', 'Hana', 'Ines', 'Jürgen', 'Kenji', 'Lucía', 'Mei', 'Nuno', 'Priya', 'Søren', 'Thandiwe', 'Wen', 'Yusuf'];
const LAST = ["O'Brien", 'Smith-Jones', 'García Márquez', 'Nguyễn', 'Müller', 'Okafor', 'Kowalski', 'da Silva', 'Björnsson', 'Tanaka', 'Haddad', 'MacLeod', "D'Angelo", 'Van der Berg', 'Ivanova', 'Al-Rashid'];
const PACKAGES = ['BAHAMA5NIGHT@COCOCLUB', 'ICELAND7NIGHT@BLUELAGOON', 'KYOTO4NIGHT@RYOKAN', 'SAFARI6NIGHT@SERENGETI', 'LISBON3NIGHT@ALFAMA'];

/** Requests waiting for an answer at most: more means the command API is the limit (`throttled`). */
const MAX_IN_FLIGHT = 64;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

export function randomProposal(): object {
  const lastName = pick(LAST);
  // The same traveller (first name, last name, age) twice would be rejected (422): ages are distinct.
  const childAge = Math.floor(Math.random() * 12);
  const pax = Array.from({ length: 1 + Math.floor(Math.random() * 4) }, (_, i) => ({
    firstName: pick(FIRST),
    lastName,
    age: i === 0 ? 25 + Math.floor(Math.random() * 50) : childAge + i,
  }));
  return { customerId: 1 + Math.floor(Math.random() * 3), packageId: pick(PACKAGES), pax, expiresInDays: 1 + Math.floor(Math.random() * 30) };
}

export interface LoadResult {
  created: number;
  updated: number;
  failed: number;
  seconds: number;
  /** Requests sent per second, from the first send to the last (the pace asked for, or below it). */
  sentPerSecond: number;
  /** The pace fell behind because MAX_IN_FLIGHT requests were waiting for an answer: the command API was the limit. */
  throttled: boolean;
}

/**
 * Creates `count` proposals through the command API and, with `updatesPerProposal`, replaces each
 * one's pax that many times (one after another, each on the version the previous one returned). All
 * requests share the one open-loop pace of `rate` per second, so a proposal's versions are spread
 * among the other proposals' events, as in real traffic — what makes order matter on the read side.
 */
export async function load(lab: LabContext, count: number, rate: number, updatesPerProposal = 0): Promise<LoadResult> {
  let total = count * (1 + updatesPerProposal);
  const bar = new SingleBar({ format: 'load |{bar}| {value}/{total} requests | {rate}/s | failed {failed}', hideCursor: true }, Presets.shades_classic);
  bar.start(total, 0, { rate: 0, failed: 0 });
  const started = Date.now();
  const result: LoadResult = { created: 0, updated: 0, failed: 0, seconds: 0, sentPerSecond: 0, throttled: false };
  let lastSentAt = started;
  /** Proposals whose next update is due, with the version it applies to and how many are left. */
  const nextUpdates: { proposalId: number; version: number; left: number }[] = [];
  const inFlight = new Set<Promise<void>>();
  let creates = 0;
  const base = new URL(lab.url('command-api'));
  // node:http on kept-alive sockets, not fetch: measured here, fetch took 0.8–1.6 ms of CPU per request
  // and node:http 0.15–0.4 — CPU the command API, sharing this machine's cores, needs more.
  const agent = new Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });
  const post = (path: string, method: string, body: object) =>
    new Promise<{ proposalId?: number; version: number } | null>((resolve) => {
      const request = httpRequest(
        { host: base.hostname, port: base.port, path, method, agent, timeout: 10_000, headers: { 'content-type': 'application/json' } },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => {
            const ok = response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300;
            try {
              resolve(ok ? (JSON.parse(text) as { proposalId?: number; version: number }) : null);
            } catch {
              resolve(null);
            }
          });
          response.on('error', () => resolve(null));
        },
      );
      // not answering counts as failed, like a 4xx or 5xx
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', () => resolve(null));
      request.end(JSON.stringify(body));
    });

  /** A failed request ends its proposal's updates: they are no longer due. */
  const create = async () => {
    const created = await post('/proposals', 'POST', randomProposal());
    if (!created?.proposalId) {
      result.failed++;
      total -= updatesPerProposal;
      return;
    }
    result.created++;
    if (updatesPerProposal > 0) nextUpdates.push({ proposalId: created.proposalId, version: created.version, left: updatesPerProposal });
  };
  const replacePax = async (update: { proposalId: number; version: number; left: number }) => {
    const { pax } = randomProposal() as { pax: object[] };
    const changed = await post(`/proposals/${update.proposalId}/pax`, 'PUT', { pax, expectedVersion: update.version });
    if (!changed) {
      result.failed++;
      total -= update.left - 1;
      return;
    }
    result.updated++;
    if (update.left > 1) nextUpdates.push({ proposalId: update.proposalId, version: changed.version, left: update.left - 1 });
  };

  let sent = 0;
  while (sent < total) {
    const update = nextUpdates.shift();
    if (!update && creates === count) {
      // Every proposal is created: wait for an update to become due (each answer makes one due or
      // lowers the total, so something is in flight here).
      await Promise.race(inFlight);
      continue;
    }
    // Open-loop pacing: request i is due at i/rate seconds, however long earlier ones take.
    const due = started + (sent * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    sent++;
    lastSentAt = Date.now();
    const request: Promise<void> = (update ? replacePax(update) : create()).then(() => {
        inFlight.delete(request);
        const seconds = (Date.now() - started) / 1000;
        bar.setTotal(total);
        bar.update(result.created + result.updated + result.failed, { rate: Math.round((result.created + result.updated + result.failed) / Math.max(seconds, 0.001)), failed: result.failed });
      });
    if (!update) creates++;
    inFlight.add(request);
    if (inFlight.size >= MAX_IN_FLIGHT) {
      result.throttled = true;
      await Promise.race(inFlight);
    }
  }
  await Promise.all(inFlight);
  agent.destroy();
  bar.stop();
  result.seconds = (Date.now() - started) / 1000;
  // The last request's own slot counts too: n requests at r/s take n/r seconds to send.
  result.sentPerSecond = sent / ((lastSentAt - started) / 1000 + 1 / rate);
  return result;
}
