/**
 * RabbitMQ names — the contract that the relay, the subscriber, the lab console and the lab guide share.
 *
 *   acme.sales.topic ──proposal.*──► proposal.reader.queue ──(expired / rejected)──► acme.sales.dlx ──► proposal.reader.dlq
 *          ▲                                   │ transient failure
 *          └── (default exchange) ◄── proposal.reader.retry (TTL = retry delay, dead-letters back to the work queue)
 */
export const TOPOLOGY = {
  exchange: 'acme.sales.topic',
  deadLetterExchange: 'acme.sales.dlx',
  workQueue: 'proposal.reader.queue',
  workBinding: 'proposal.*',
  retryQueue: 'proposal.reader.retry',
  deadLetterQueue: 'proposal.reader.dlq',
  /** Fanout of projection notices ("proposal P's view is at version V"): wake-ups, not data. */
  projectedExchange: 'acme.sales.projected',
} as const;

/** Headers the pipeline sets on messages (besides the standard `message-id`, `type`, `timestamp`). */
export const HEADERS = {
  version: 'x-acme-version',
  proposalId: 'x-acme-proposal-id',
  outboxEventId: 'x-acme-outbox-event-id',
  traceparent: 'traceparent',
  attempts: 'x-acme-attempts',
  deadLetterReason: 'x-acme-dlq-reason',
  deadLetteredAt: 'x-acme-dlq-at',
  /** When a message waiting for its predecessor was first seen (the gap timeout counts from it). */
  firstSeen: 'x-acme-first-seen',
  lastError: 'x-acme-last-error',
  originalRoutingKey: 'x-acme-original-routing-key',
  redrivenAt: 'x-acme-redriven-at',
} as const;
