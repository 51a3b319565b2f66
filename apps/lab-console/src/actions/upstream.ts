import { ProblemException, type FieldIssue } from '@acme/http';

/** Lab actions wait longer than the page's probes: a create commits a transaction. */
const ACTION_TIMEOUT_MS = 5_000;

interface UpstreamProblem {
  code: string;
  detail: string;
  errors?: FieldIssue[];
}

const isProblem = (body: unknown): body is UpstreamProblem =>
  typeof body === 'object' && body !== null && typeof (body as UpstreamProblem).code === 'string' && typeof (body as UpstreamProblem).detail === 'string';

/**
 * POSTs JSON to one of the apps and returns its JSON answer. The app's own refusals (4xx, or 503 when
 * its database is down) come back to the page as the same problem, prefixed with the app's name; no
 * answer at all is a 503 that says which app to start.
 */
export async function postToApp(app: string, url: string, body: unknown, traceparent?: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(traceparent ? { traceparent } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(ACTION_TIMEOUT_MS),
    });
  } catch {
    throw new ProblemException(503, 'DEPENDENCY.UNAVAILABLE', `${app} did not answer at ${url} — is it running?`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (response.ok) return parsed;
  if (isProblem(parsed) && (response.status < 500 || response.status === 503)) {
    throw new ProblemException(response.status, parsed.code, `${app}: ${parsed.detail}`, parsed.errors ?? []);
  }
  throw new ProblemException(502, 'DEPENDENCY.FAILED', `${app} answered ${response.status}`);
}
