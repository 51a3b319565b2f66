import { checkProposalEvent, HEADERS } from '@acme/contracts';
import { toProposalMessage, type OutgoingMessage } from '@acme/messaging';
import type { OutboxRow } from '@acme/write-persistence';

export type PublishableCheck = { ok: true; message: OutgoingMessage } | { ok: false; reason: string };

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/**
 * Checks an outbox row against the event contract before it is published, and builds its message.
 * Rows are usually written by the command API, but the table is the lab's too: a row written by hand
 * may hold anything. A row that fails here can never be published as it is: the relay parks it.
 */
export function toPublishableMessage(row: OutboxRow): PublishableCheck {
  const checked = checkProposalEvent(row.payload);
  if (!checked.ok) return { ok: false, reason: `malformed outbox row: payload ${checked.reason}` };
  const event = checked.event;
  const mismatch = [
    event.eventId !== row.eventGuid && `payload.eventId ${event.eventId} ≠ event_guid ${row.eventGuid}`,
    event.proposalId !== row.proposalId && `payload.proposalId ${event.proposalId} ≠ proposal_id ${row.proposalId}`,
    event.version !== row.version && `payload.version ${event.version} ≠ aggregate_version ${row.version}`,
    event.type !== row.eventType && `payload.type ${event.type} ≠ event_type ${row.eventType}`,
  ].filter((m): m is string => typeof m === 'string');
  if (mismatch.length > 0) return { ok: false, reason: `malformed outbox row: ${mismatch.join('; ')}` };

  // Only a well-formed W3C traceparent is carried on; anything else in trace_headers is ignored.
  const stored = (row.traceHeaders as Record<string, unknown> | null)?.[HEADERS.traceparent];
  const traceparent = typeof stored === 'string' && TRACEPARENT.test(stored) ? stored : undefined;
  return {
    ok: true,
    message: toProposalMessage(event, 'acme.event-processor', { eventId: row.eventId, traceHeaders: traceparent ? { traceparent } : {} }),
  };
}
