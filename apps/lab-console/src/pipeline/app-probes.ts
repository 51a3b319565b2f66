import { PROBE_HEADER } from '@acme/telemetry';
import { probeHealth, type HealthAnswer } from '@acme/lab-core';
import { MetricsPage } from './metrics-page';
import type { AppStatus, DuplicateEntry } from './snapshot';

/**
 * Every read of the page's figures gives up after this long: a hung app must not stall the others.
 * Longer than the apps' own dependency checks (1.5 s in runHealthChecks): an app that answers 503
 * "mongodb down" after 1.5–2.5 s is "down, MongoDB", not "not running" (finding 3 of the labs issue).
 */
export const PROBE_TIMEOUT_MS = 3_000;

async function get(url: string): Promise<Response | undefined> {
  try {
    // Marked as polling: the apps log it at debug, not as a user's request.
    return await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), headers: { accept: 'application/json', [PROBE_HEADER]: 'lab-console' } });
  } catch {
    return undefined; // refused, reset or timed out: all "no answer"
  }
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

/**
 * GET /health, as the lab verdict reads it (`probeHealth` of `@acme/lab-core`, marked as polling): 200
 * is up; any other answer is down, with the checks that failed and the app's own words; no answer in
 * time is unreachable. Waits longer than the apps' own dependency checks (1.5 s).
 */
export async function probeApp(baseUrl: string): Promise<{ status: Pick<AppStatus, 'health' | 'failing' | 'state' | 'stuck' | 'reason'>; answer: HealthAnswer | undefined }> {
  const answer = await probeHealth(baseUrl, { [PROBE_HEADER]: 'lab-console' }, PROBE_TIMEOUT_MS);
  if (!answer) return { status: { health: 'unreachable', failing: [], state: null, stuck: false, reason: null }, answer };
  return {
    status: { health: answer.ok ? 'up' : 'down', failing: answer.failing, state: answer.relay?.state ?? null, stuck: answer.stuck === true, reason: answer.reason ?? null },
    answer,
  };
}

/** GET /metrics as its registry's JSON; undefined when the app does not answer or has no metrics endpoint yet. */
export async function probeMetrics(baseUrl: string): Promise<MetricsPage | undefined> {
  const response = await get(`${baseUrl}/metrics`);
  return response?.ok ? MetricsPage.fromJson(await readJson(response)) : undefined;
}

const isDuplicate = (item: unknown): item is DuplicateEntry =>
  typeof item === 'object' && item !== null && typeof (item as DuplicateEntry).eventId === 'string' && typeof (item as DuplicateEntry).count === 'number';

/** The query API's duplicate log, most recent first; undefined when it does not answer. */
export async function probeDuplicates(queryApiUrl: string, limit = 20): Promise<DuplicateEntry[] | undefined> {
  const response = await get(`${queryApiUrl}/duplicates?limit=${limit}`);
  if (!response?.ok) return undefined;
  const body = await readJson(response);
  const items = typeof body === 'object' && body !== null && 'items' in body ? body.items : undefined;
  return Array.isArray(items) ? items.filter(isDuplicate) : undefined;
}
