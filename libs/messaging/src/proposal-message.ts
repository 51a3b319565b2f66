import { HEADERS, TOPOLOGY, type ProposalEvent } from '@acme/contracts';
import type { Options } from 'amqplib';

export interface OutgoingMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options: Options.Publish;
}

/**
 * The AMQP form of a proposal event: persistent, message id = the event's unique id (what the read
 * side deduplicates on), type and version in the properties and headers, trace context carried along.
 */
export function toProposalMessage(
  event: ProposalEvent,
  appId: string,
  outbox?: { eventId: number; traceHeaders: Record<string, string> },
): OutgoingMessage {
  const traceparent = outbox?.traceHeaders.traceparent ?? event.traceparent;
  return {
    exchange: TOPOLOGY.exchange,
    routingKey: event.type,
    content: Buffer.from(JSON.stringify(event)),
    options: {
      persistent: true,
      messageId: event.eventId,
      type: event.type,
      contentType: 'application/json',
      timestamp: Math.floor(Date.parse(event.occurredAt) / 1000),
      appId,
      headers: {
        [HEADERS.version]: event.version,
        [HEADERS.proposalId]: event.proposalId,
        ...(outbox ? { [HEADERS.outboxEventId]: outbox.eventId } : {}),
        ...(traceparent ? { [HEADERS.traceparent]: traceparent } : {}),
      },
    },
  };
}
