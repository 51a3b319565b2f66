import { randomBytes } from 'node:crypto';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * W3C trace context: keeps the caller's trace id when its `traceparent` header is valid, else starts
 * a new trace. Either way this hop gets a span id of its own. The result travels with the event.
 */
export function continueTrace(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? TRACEPARENT.exec(value.trim().toLowerCase()) : null;
  // W3C: an all-zero trace id or parent id makes the whole header invalid.
  const valid = match?.[1] && match[2] && !/^0+$/.test(match[1]) && !/^0+$/.test(match[2]);
  const traceId = valid && match[1] ? match[1] : randomBytes(16).toString('hex');
  return `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
}

export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
}

/**
 * The request's `traceparent` as the HTTP layer set it (continued once, for the whole request): what a
 * command stores with its event. Not continued again here: a second span id would appear nowhere else.
 */
export function requestTraceparent(header: string | undefined): string {
  return header ?? continueTrace(undefined);
}
