import { MetricsPage } from './prometheus-text';
import type { AppHealth, DuplicateEntry } from './snapshot';

/** Every read of the page's figures gives up after this long: a hung app must not stall the others. */
export const PROBE_TIMEOUT_MS = 800;

async function get(url: string): Promise<Response | undefined> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), headers: { accept: 'application/json, text/plain' } });
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

/** GET /health: 200 is up; any other answer is down, with the checks that failed; no answer is unreachable. */
export async function probeHealth(baseUrl: string): Promise<{ health: AppHealth; failing: string[] }> {
  const response = await get(`${baseUrl}/health`);
  if (!response) return { health: 'unreachable', failing: [] };
  const body = await readJson(response);
  const checks = typeof body === 'object' && body !== null && 'checks' in body ? body.checks : undefined;
  const failing =
    typeof checks === 'object' && checks !== null
      ? Object.entries(checks as Record<string, unknown>).filter(([, state]) => state !== 'up').map(([name]) => name)
      : [];
  return { health: response.ok ? 'up' : 'down', failing };
}

/** GET /metrics, parsed; undefined when the app does not answer or has no metrics endpoint yet. */
export async function probeMetrics(baseUrl: string): Promise<MetricsPage | undefined> {
  const response = await get(`${baseUrl}/metrics`);
  if (!response?.ok) return undefined;
  try {
    return MetricsPage.parse(await response.text());
  } catch {
    return undefined;
  }
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
